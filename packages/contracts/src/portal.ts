import { z } from 'zod';

/** Views the portals' APIs return and their web apps read. No secret is ever part of any of them. */

export const EXCHANGE_ENVIRONMENTS = ['paper', 'india-testnet', 'india'] as const;
export const ZExchangeEnvironmentName = z.enum(EXCHANGE_ENVIRONMENTS);
export type TExchangeEnvironment = (typeof EXCHANGE_ENVIRONMENTS)[number];

/** A stored exchange credential as anyone outside the vault sees it: metadata and the last 4 of the key. */
export const ZCredentialView = z.object({
  credential_ref: z.string(),
  exchange_account_id: z.string(),
  customer_id: z.string(),
  label: z.string(),
  environment: ZExchangeEnvironmentName,
  key_masked: z.string(),
  state: z.enum(['active', 'revoked']),
  verified_permissions: z.array(z.string()),
  created_at: z.string(),
  rotated_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
  last_verified_at: z.string().nullable(),
});
export type TCredentialView = z.infer<typeof ZCredentialView>;

export const CONSENT_CHANNELS = ['phone', 'email', 'chat', 'in_person', 'video_call'] as const;
export type TConsentChannel = (typeof CONSENT_CHANNELS)[number];

/** The customer's consent an operator records before minting an approval (PP, ops-assisted). */
export const ZConsentInput = z.strictObject({
  channel: z.enum(CONSENT_CHANNELS),
  reference: z.string().trim().min(1).max(200),
  note: z.string().trim().max(1000).optional(),
});

export const APPROVAL_STATES = ['pending', 'consumed', 'expired', 'revoked'] as const;

export const ZApprovalView = z.object({
  approval_id: z.string(),
  issuer: z.string(),
  customer_id: z.string(),
  hired_agent_id: z.string(),
  agent_id: z.string(),
  credential_ref: z.string(),
  intent_hash: z.string(),
  intent_summary: z.record(z.string(), z.unknown()),
  approver: z.object({ id: z.string(), kind: z.string() }),
  evidence: z.record(z.string(), z.unknown()).nullable(),
  state: z.string(),
  created_at: z.string(),
  expires_at: z.string(),
  expires_in_s: z.number(),
  consumed_at: z.string().nullable(),
  consumed_by: z.string().nullable(),
  revoked_at: z.string().nullable(),
  revoked_by: z.string().nullable(),
});
export type TApprovalView = z.infer<typeof ZApprovalView>;
