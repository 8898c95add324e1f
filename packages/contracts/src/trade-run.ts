import { z } from 'zod';
import { ZCoin, ZPositiveDecimalString } from './common-fields.ts';
import { ZCorrelationId } from './correlation.ts';
import { ZExecutionState } from './execution-states.ts';
import { ZApprovalId, ZCustomerId, ZExchangeAccountId } from './ids.ts';
import {
  INTENT_ACTION_FOR,
  TRADE_ACTIONS,
  ZExchangeOrderId,
  ZPlanIntent,
  ZPriceBand,
  ZTradeKind,
  ZTradeSide,
} from './trade-intent.ts';

/** A run of a trading agent: its request, the plan it drafts, and its answer (apps/plant's run route). */

const runTarget = {
  customer_id: ZCustomerId,
  exchange_account_id: ZExchangeAccountId,
  coin: ZCoin,
  approval_id: ZApprovalId.optional(),
  correlation_id: ZCorrelationId.optional(),
};
const ZUnits = z.number().int('must be a whole number of contracts').min(1).max(1_000_000);

/**
 * The price band a run binds: a draft gives `max_move_bps` and the plan takes the mark it was drafted at as the
 * reference; the execution repeats the band with that `reference_price` (it is part of the approved intent).
 */
export const ZRunPriceBand = z.strictObject({
  max_move_bps: ZPriceBand.shape.max_move_bps,
  reference_price: ZPositiveDecimalString.optional(),
});
export type TRunPriceBand = z.infer<typeof ZRunPriceBand>;

/** Enter (open or add to) or exit (reduce) a position. */
export const ZPositionTradeRequest = z.strictObject({
  ...runTarget,
  units: ZUnits,
  side: ZTradeSide,
  action: z.enum(['enter', 'exit']),
  limit_price: ZPositiveDecimalString.optional(),
  market: z.boolean().optional(),
  price_band: ZRunPriceBand.optional(),
  intent_action: z.enum(['place_order', 'close_position']).optional(),
});
export type TPositionTradeRequest = z.infer<typeof ZPositionTradeRequest>;

/**
 * Cancel one resting order. Like any trade action it changes the customer's account, so it is drafted (the plan
 * shows the order as the exchange holds it), approved for exactly that order, and executed with the approval.
 */
export const ZCancelOrderRequest = z.strictObject({
  ...runTarget,
  action: z.literal('cancel'),
  order_id: ZExchangeOrderId,
  intent_action: z.literal('cancel_order').optional(),
});
export type TCancelOrderRequest = z.infer<typeof ZCancelOrderRequest>;

const NOT_FOR_CANCEL = ['units', 'side', 'limit_price', 'market', 'price_band'] as const;

/**
 * Body of POST /api/v1/reference-agents/{agent_id}/run: a position trade (enter / exit) or a cancel. Without
 * `intent_action` it is a draft (no side effect); with it, an execution request that must pass the hook bus,
 * including a verified approval. One object whose `action` says which fields it needs, so every invalid field is
 * reported at once (a discriminated union would stop at a missing action).
 */
export const ZTradeRunRequest = z
  .strictObject({
    ...runTarget,
    action: ZTradeKind,
    units: ZUnits.optional(),
    side: ZTradeSide.optional(),
    limit_price: ZPositiveDecimalString.optional(),
    market: z.boolean().optional(),
    price_band: ZRunPriceBand.optional(),
    order_id: ZExchangeOrderId.optional(),
    intent_action: z.enum(TRADE_ACTIONS).optional(),
  })
  .superRefine((r, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (r.action === 'cancel') {
      if (r.order_id === undefined) issue('order_id', 'a cancel names the exchange order_id to cancel');
      for (const f of NOT_FOR_CANCEL) if (r[f] !== undefined) issue(f, `a cancel takes no ${f}`);
    } else {
      if (r.units === undefined) issue('units', 'give the number of contracts');
      if (r.side === undefined) issue('side', 'give the side: long or short');
      if (r.order_id !== undefined) issue('order_id', 'only a cancel names an order_id');
      const limit = r.limit_price !== undefined;
      const market = r.market === true;
      if (limit && market) issue('market', 'send either limit_price or market: true, not both');
      else if (!limit && !market) issue('limit_price', 'send limit_price, or market: true');
    }
    if (r.intent_action !== undefined && r.price_band && r.price_band.reference_price === undefined) {
      issue('price_band', 'an execution repeats the approved band with its reference_price');
    }
    if (r.intent_action !== undefined && r.intent_action !== INTENT_ACTION_FOR[r.action]) {
      issue('intent_action', `action "${r.action}" requires intent_action "${INTENT_ACTION_FOR[r.action]}"`);
    }
  })
  // The checks above make it exactly one of the two shapes.
  .transform((r) => r as TPositionTradeRequest | TCancelOrderRequest);
export type TTradeRunRequest = z.output<typeof ZTradeRunRequest>;

export const ZRiskCheck = z.object({
  check: z.string(),
  passed: z.boolean(),
  reason: z.string(),
});
export type TRiskCheck = z.infer<typeof ZRiskCheck>;

/** The exact order body the agent would send to POST /v2/orders (minus client_order_id, set at execution). */
export const ZExchangeOrder = z.object({
  product_id: z.number().int(),
  product_symbol: z.string(),
  size: z.number().int(),
  side: z.enum(['buy', 'sell']),
  order_type: z.enum(['limit_order', 'market_order']),
  limit_price: z.string().nullable(),
  reduce_only: z.boolean(),
  post_only: z.boolean(),
  time_in_force: z.enum(['gtc', 'ioc']),
});
export type TExchangeOrder = z.infer<typeof ZExchangeOrder>;

export const ZDraftPlan = z.object({
  plan_version: z.literal(1),
  playbook_id: z.string(),
  agent_id: z.string(),
  hired_agent_id: z.string(),
  customer_id: z.string(),
  exchange_account_id: z.string(),
  intent: ZPlanIntent,
  /** The order this plan sends; for a cancel, the order it cancels as the exchange holds it now. */
  order: ZExchangeOrder,
  pricing: z.object({
    mark_price: z.string(),
    contract_value: z.string(),
    underlying_asset: z.string(),
    underlying_quantity: z.string(),
    notional_usd: z.string(),
    inr_per_usd: z.string(),
    notional_inr: z.string(),
    leverage: z.number().int(),
    estimated_margin_usd: z.string(),
    estimated_margin_inr: z.string(),
  }),
  risk_checks: z.array(ZRiskCheck),
  requires_approval: z.literal(true),
  approvable: z.boolean(),
  intent_hash: z.string().regex(/^[0-9a-f]{64}$/),
});
export type TDraftPlan = z.infer<typeof ZDraftPlan>;

/** What an execute run answers with: the execution as recorded (for a replay, as recorded by the first request). */
export const ZRunExecution = z.object({
  approval_id: z.string(),
  client_order_id: z.string(),
  exchange_order_id: z.string().nullable(),
  state: ZExecutionState,
  /** Contracts sent; an exit is clamped to the open position. */
  size: z.number().int().nullable().optional(),
  filled_size: z.number().int().nullable().optional(),
  average_fill_price: z.string().nullable().optional(),
  fees: z.string().nullable().optional(),
  reason: z.string().nullable().optional(),
  /** True when this answer is the recorded result of an earlier request with the same approval. */
  replayed: z.boolean().optional(),
});
export type TRunExecution = z.infer<typeof ZRunExecution>;

export const ZRunResponse = z.object({
  mode: z.enum(['draft', 'executed']),
  correlation_id: z.string(),
  decision_id: z.string(),
  plan: ZDraftPlan,
  execution: ZRunExecution.nullable(),
});
export type TRunResponse = z.infer<typeof ZRunResponse>;
