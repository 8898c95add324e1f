import { z } from 'zod';
import { ZCoin, ZPositiveDecimalString } from './common-fields.ts';
import { ZCorrelationId } from './correlation.ts';
import { ZApprovalId, ZCustomerId, ZExchangeAccountId } from './ids.ts';

export const INTENT_ACTION_FOR = { enter: 'place_order', exit: 'close_position' } as const;

/**
 * Body of POST /api/v1/reference-agents/{agent_id}/run. Without `intent_action` it is a draft (no side effect);
 * with it, an execution request that must pass the hook bus, including a verified approval.
 */
export const ZTradeRunRequest = z
  .strictObject({
    customer_id: ZCustomerId,
    exchange_account_id: ZExchangeAccountId,
    coin: ZCoin,
    units: z.number().int('must be a whole number of contracts').min(1).max(1_000_000),
    side: z.enum(['long', 'short']),
    action: z.enum(['enter', 'exit']),
    limit_price: ZPositiveDecimalString.optional(),
    market: z.boolean().optional(),
    intent_action: z.enum(['place_order', 'close_position']).optional(),
    approval_id: ZApprovalId.optional(),
    correlation_id: ZCorrelationId.optional(),
  })
  .superRefine((r, ctx) => {
    const limit = r.limit_price !== undefined;
    const market = r.market === true;
    if (limit && market) {
      ctx.addIssue({
        code: 'custom',
        path: ['market'],
        message: 'send either limit_price or market: true, not both',
      });
    } else if (!limit && !market) {
      ctx.addIssue({ code: 'custom', path: ['limit_price'], message: 'send limit_price, or market: true' });
    }
    if (r.intent_action !== undefined && r.intent_action !== INTENT_ACTION_FOR[r.action]) {
      ctx.addIssue({
        code: 'custom',
        path: ['intent_action'],
        message: `action "${r.action}" requires intent_action "${INTENT_ACTION_FOR[r.action]}"`,
      });
    }
  });
export type TTradeRunRequest = z.infer<typeof ZTradeRunRequest>;

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
  intent: z.object({
    coin: z.string(),
    side: z.enum(['long', 'short']),
    action: z.enum(['enter', 'exit']),
    intent_action: z.enum(['place_order', 'close_position']),
    units: z.number().int(),
    order_type: z.enum(['limit', 'market']),
    limit_price: z.string().nullable(),
  }),
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

export const ZRunResponse = z.object({
  mode: z.enum(['draft', 'executed']),
  correlation_id: z.string(),
  decision_id: z.string(),
  plan: ZDraftPlan,
  execution: z
    .object({
      approval_id: z.string(),
      client_order_id: z.string(),
      exchange_order_id: z.string().nullable(),
      state: z.string(),
      /** Contracts sent; an exit is clamped to the open position. */
      size: z.number().int().nullable().optional(),
      filled_size: z.number().int().nullable().optional(),
      average_fill_price: z.string().nullable().optional(),
      fees: z.string().nullable().optional(),
      reason: z.string().nullable().optional(),
      /** True when this answer is the recorded result of an earlier request with the same approval. */
      replayed: z.boolean().optional(),
    })
    .nullable(),
});
export type TRunResponse = z.infer<typeof ZRunResponse>;
