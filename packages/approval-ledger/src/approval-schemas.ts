import {
  type TConsumeRefusalReason,
  type TIntentSummary,
  type TStepUpRecord,
  ZAgentId,
  ZCredentialRef,
  ZCustomerId,
  ZHiredAgentId,
  ZIntentHash,
  ZIntentSummary,
  ZStepUpRecord,
} from '@delta/contracts';
import { z } from 'zod';

// The ids an approval binds have the shapes their minters give them (packages/contracts/src/ids.ts).
export { APPROVAL_ID_PATTERN, ZApprovalId, ZIntentHash } from '@delta/contracts';

/** Who approved: an ops user id (PP) or a customer login id (CP) — a bounded token, never free text. */
const ZApproverId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/, 'must be a user id of letters, digits, "_", ".", ":" or "-"');

export const ZApprovalIssuer = z.enum(['pp', 'cp']);
export type TApprovalIssuer = z.infer<typeof ZApprovalIssuer>;

/** What the approver saw: the trade fields of the one intent definition (ZTradeIntent in @delta/contracts). */
export { type TIntentSummary, ZIntentSummary };

export const ZApprover = z.strictObject({ id: ZApproverId, kind: z.enum(['ops', 'customer']) });
export type TApprover = z.infer<typeof ZApprover>;

/** PP's ops-assisted consent: how the customer said yes, and a reference to find it again. */
export const ZConsentEvidence = z.strictObject({
  channel: z.string().regex(/^[a-z_]{2,32}$/, 'must be a channel name like phone, email, whatsapp'),
  reference: z.string().trim().min(1).max(200),
  note: z.string().max(2000).optional(),
});
export type TConsentEvidence = z.infer<typeof ZConsentEvidence>;

/**
 * Evidence kept with an approval: the customer's step-up (CP: a passkey assertion with user verification whose
 * challenge was bound to the intent hash and a one-time nonce, or a TOTP code), or the consent ops recorded (PP).
 */
export const ZApprovalEvidence = z.union([ZStepUpRecord.strict(), ZConsentEvidence]);
export type TApprovalEvidence = z.infer<typeof ZApprovalEvidence>;

/** CP's evidence: the customer's fresh step-up for this very intent, as CP's verifyStepUp recorded it. */
export function isStepUpEvidence(e: TApprovalEvidence | null | undefined): e is TStepUpRecord {
  return !!e && 'method' in e;
}

export const DEFAULT_APPROVAL_TTL_SECONDS = 600;

export const ZMintApprovalInput = z
  .strictObject({
    issuer: ZApprovalIssuer,
    customer_id: ZCustomerId,
    hired_agent_id: ZHiredAgentId,
    agent_id: ZAgentId,
    credential_ref: ZCredentialRef,
    intent_hash: ZIntentHash,
    intent_summary: ZIntentSummary,
    approver: ZApprover,
    evidence: ZApprovalEvidence.optional(),
    /** Lifetime; default from the ledger's options (10 minutes). */
    ttl_seconds: z.number().int().min(30).max(86_400).optional(),
    /** Clock for tests; default the database's. */
    now: z.date().optional(),
  })
  .superRefine((v, ctx) => {
    if ((v.issuer === 'pp') !== (v.approver.kind === 'ops')) {
      ctx.addIssue({
        code: 'custom',
        path: ['approver', 'kind'],
        message: 'PP approvals are by ops, CP by customers',
      });
    }
    if (v.approver.kind === 'ops' && (!v.evidence || isStepUpEvidence(v.evidence))) {
      ctx.addIssue({
        code: 'custom',
        path: ['evidence'],
        message: "ops-assisted approvals need the customer's consent",
      });
    }
    if (v.approver.kind === 'customer' && !isStepUpEvidence(v.evidence)) {
      ctx.addIssue({
        code: 'custom',
        path: ['evidence'],
        message: "a customer's approval needs the customer's fresh step-up",
      });
    }
  });
export type TMintApprovalInput = z.input<typeof ZMintApprovalInput>;

/** Stored states plus the derived `expired`. */
export const ZApprovalState = z.enum(['pending', 'consumed', 'revoked', 'expired']);
export type TApprovalState = z.infer<typeof ZApprovalState>;

export interface ApprovalRecord {
  approval_id: string;
  issuer: TApprovalIssuer;
  customer_id: string;
  hired_agent_id: string;
  agent_id: string;
  credential_ref: string;
  intent_hash: string;
  intent_summary: TIntentSummary;
  approver: TApprover;
  evidence: TApprovalEvidence | null;
  created_at: Date;
  expires_at: Date;
  /** `expired` when still pending past expires_at (derived at read time from the same clock as consume). */
  state: TApprovalState;
  consumed_at: Date | null;
  consumed_by: string | null;
  revoked_at: Date | null;
  revoked_by: string | null;
}

/** Why a consumption fails: the reasons the portals' consume endpoint answers with (one list, in contracts). */
export type TConsumeFailureReason = TConsumeRefusalReason;

export type ConsumeResult =
  | { ok: true; approval: ApprovalRecord }
  | { ok: false; reason: TConsumeFailureReason; consumed_by?: string };

export type RevokeResult =
  | { ok: true; approval: ApprovalRecord }
  | {
      ok: false;
      reason: 'not_found' | 'customer_mismatch' | 'already_consumed' | 'already_revoked' | 'expired';
    };

export type ConsumedForResult =
  | { ok: true; approval: ApprovalRecord }
  | {
      ok: false;
      reason:
        | 'not_found'
        | 'customer_mismatch'
        | 'credential_mismatch'
        | 'not_consumed'
        | 'consumed_too_long_ago';
    };
