import { z } from 'zod';
import { ZApprovalId, ZCredentialRef, ZCustomerId, ZIntentHash } from './ids.ts';
import type { TRefusalCode } from './refusal-reasons.ts';
import { ZExchangeOrderId } from './trade-intent.ts';

/**
 * Plant → portal internal API: the request and answer of each call, declared on the portal's route and parsed by
 * Plant's client. The portal reads the customer's exchange account with the key it keeps; Plant learns only
 * what these answers carry, never a key.
 */

/** The routes of a portal's internal API, by what Plant asks: one name for each, on both sides. */
export const PORTAL_INTERNAL_ROUTES = {
  consume: '/internal/v1/approvals/consume',
  bundle: '/internal/v1/credential-bundles',
  approvalStatus: '/internal/v1/approvals/status',
  position: '/internal/v1/positions',
  orderLookup: '/internal/v1/orders/lookup',
} as const;

const ZProductId = z.number().int().positive().max(2_147_483_647);

/** POST /internal/v1/positions — the open position of one product. */
export const ZPositionLookup = z.strictObject({
  credential_ref: ZCredentialRef,
  customer_id: ZCustomerId,
  product_id: ZProductId,
});
export const ZPositionAnswer = z.object({
  product_id: z.number().int(),
  /** Signed contracts: > 0 long, < 0 short, 0 flat. */
  size: z.number().int(),
  entry_price: z.string().nullable(),
});
export type TPositionAnswer = z.infer<typeof ZPositionAnswer>;

/** An order as the exchange holds it, as much of it as a plan or a screen needs. */
export const ZAccountOrder = z.object({
  id: ZExchangeOrderId,
  product_id: z.number().int(),
  product_symbol: z.string().nullable(),
  side: z.enum(['buy', 'sell']),
  size: z.number().int(),
  unfilled_size: z.number().int(),
  order_type: z.string(),
  limit_price: z.string().nullable(),
  stop_price: z.string().nullable(),
  reduce_only: z.boolean(),
  post_only: z.boolean(),
  time_in_force: z.string().nullable(),
  /** open (resting), pending (waiting for its trigger), closed (filled), cancelled. */
  state: z.string(),
  client_order_id: z.string().nullable(),
  created_at: z.string().nullable(),
});
export type TAccountOrder = z.infer<typeof ZAccountOrder>;

/** POST /internal/v1/orders/lookup — one order of the account by its exchange id (null: the account has none). */
export const ZOrderLookup = z.strictObject({
  credential_ref: ZCredentialRef,
  customer_id: ZCustomerId,
  product_id: ZProductId,
  order_id: ZExchangeOrderId,
});
export const ZOrderLookupAnswer = z.object({ order: ZAccountOrder.nullable() });
export type TOrderLookupAnswer = z.infer<typeof ZOrderLookupAnswer>;

/**
 * POST /internal/v1/approvals/status — what the ledger says of one approval: Plant's reconciler asks after a
 * request died around the approval's consumption, to tell "consumed, nothing executed" from "never consumed".
 */
export const ZApprovalStatusRequest = z.strictObject({
  approval_id: ZApprovalId,
  customer_id: ZCustomerId,
});
export const ZApprovalStatusAnswer = z.object({
  approval_id: ZApprovalId,
  state: z.enum(['pending', 'consumed', 'expired', 'revoked']),
  intent_hash: ZIntentHash,
  /** The correlation id of the request that consumed it. */
  consumed_by: z.string().nullable(),
  consumed_at: z.string().nullable(),
  expires_at: z.string(),
});
export type TApprovalStatusAnswer = z.infer<typeof ZApprovalStatusAnswer>;

/** A credential bundle: the keys, encrypted to Plant's key and signed by the portal, bound to one approval. */
export const ZCredentialBundleAnswer = z.object({
  credential_bundle: z.string().min(1),
  environment: z.enum(['paper', 'india-testnet', 'india']),
  expires_at: z.string(),
});
export type TCredentialBundleAnswer = z.infer<typeof ZCredentialBundleAnswer>;

/**
 * POST /internal/v1/approvals/consume — use the approval for exactly this intent, once. With `with_bundle`, the
 * credential bundle comes along (best effort: absent when the key cannot be opened; the bundle endpoint says why).
 * A refusal is a 403 problem whose `reason` is the ledger's.
 */
export const ZConsumeRequest = z.strictObject({
  approval_id: ZApprovalId,
  intent_hash: ZIntentHash,
  customer_id: ZCustomerId,
  credential_ref: ZCredentialRef,
  with_bundle: z.boolean().optional(),
});
export const ZConsumeAnswer = z.object({
  consumed: z.literal(true),
  approval_id: ZApprovalId,
  intent_hash: ZIntentHash,
  consumed_at: z.string().nullable(),
  credential_bundle: z.string().min(1).optional(),
  environment: ZCredentialBundleAnswer.shape.environment.optional(),
  expires_at: z.string().optional(),
});
export type TConsumeAnswer = z.infer<typeof ZConsumeAnswer>;

/** The reasons a ledger refuses a consumption with: the `reason` of the consume endpoint's 403 problem. */
export const CONSUME_REFUSAL_REASONS = [
  'not_found',
  'customer_mismatch',
  'credential_mismatch',
  'already_consumed',
  'revoked',
  'expired',
  'intent_mismatch',
] as const satisfies readonly TRefusalCode[];
export const ZConsumeRefusal = z.object({ reason: z.enum(CONSUME_REFUSAL_REASONS) });
export type TConsumeRefusalReason = (typeof CONSUME_REFUSAL_REASONS)[number];
export function isConsumeRefusalReason(reason: string): reason is TConsumeRefusalReason {
  return (CONSUME_REFUSAL_REASONS as readonly string[]).includes(reason);
}

/** POST /internal/v1/credential-bundles — the bundle for an approval consumed for this credential just now. */
export const ZBundleRequest = z.strictObject({
  approval_id: ZApprovalId,
  credential_ref: ZCredentialRef,
  customer_id: ZCustomerId,
});

/** Why a portal issues no bundle: the `reason` of the bundle endpoint's 403 problem. */
export const BUNDLE_REFUSAL_REASONS = [
  'bundle_not_found',
  'bundle_customer_mismatch',
  'bundle_credential_mismatch',
  'bundle_not_consumed',
  'bundle_consumed_too_long_ago',
  'credential_revoked',
  'credential_not_found',
] as const satisfies readonly TRefusalCode[];
export const ZBundleRefusal = z.object({ reason: z.enum(BUNDLE_REFUSAL_REASONS) });
export type TBundleRefusalReason = (typeof BUNDLE_REFUSAL_REASONS)[number];
