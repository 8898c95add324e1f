import { z } from 'zod';
import { ZCoin } from './common-fields.ts';
import { ZCustomerId, ZExchangeAccountId, ZHiredAgentId } from './ids.ts';

/** The exchange side effect each trade action is executed as. */
export const INTENT_ACTION_FOR = {
  enter: 'place_order',
  exit: 'close_position',
  cancel: 'cancel_order',
} as const;
/** Every action that changes the customer's exchange account: each needs an approval of its own. */
export const TRADE_ACTIONS = ['place_order', 'close_position', 'cancel_order'] as const;
export type TTradeAction = (typeof TRADE_ACTIONS)[number];

/** An order id as the exchange gives it (an integer; at most 15 digits, so it survives a JSON number). */
export const ZExchangeOrderId = z
  .string()
  .regex(/^[1-9]\d{0,14}$/, 'must be the exchange order id: digits such as "1042"');

/** Long = buy to enter, short = sell to enter. For a cancel: the direction of the order it cancels. */
export const ZTradeSide = z.enum(['long', 'short']);
/** Enter (open or add to), exit (reduce) a position, or cancel a resting order. */
export const ZTradeKind = z.enum(['enter', 'exit', 'cancel']);
/** A limit price in its canonical form ("65000.5", never "65000.50"): what the hash binds. */
const ZCanonicalPrice = z
  .string()
  .regex(/^(0|[1-9]\d{0,14})(\.\d{0,11}[1-9])?$/, 'must be a canonical decimal such as "65000.5"');

/**
 * The approval's price band: the most the mark may move from `reference_price` (the mark the approver saw) before
 * the trade runs, in basis points. Part of the intent, so it is bound by the hash: a trade whose mark moved past it
 * is refused (`price_moved`) before the approval is used, and the customer re-quotes.
 */
export const ZPriceBand = z.strictObject({
  reference_price: ZCanonicalPrice,
  max_move_bps: z
    .number()
    .int('must be a whole number of basis points')
    .min(1, 'must be at least 1 basis point (0.01 %)')
    .max(10_000, 'must be at most 10,000 basis points (100 %)'),
});
export type TPriceBand = z.infer<typeof ZPriceBand>;

/**
 * A trade intent: every field an approval binds to. Change any of them and the intent hash — and so the
 * approval — no longer matches. This is the one definition: Plant hashes it (apps/plant/src/skills/trading/
 * intent-hash.ts), a plan shows its trade fields (ZPlanIntent), the approval ledger keeps what the approver saw
 * (ZIntentSummary).
 */
export const ZTradeIntent = z.strictObject({
  customer_id: ZCustomerId,
  hired_agent_id: ZHiredAgentId,
  exchange_account_id: ZExchangeAccountId,
  coin: ZCoin,
  product_id: z.number().int().positive(),
  product_symbol: z.string().min(1),
  side: ZTradeSide,
  action: ZTradeKind,
  intent_action: z.enum(TRADE_ACTIONS),
  /** Whole contracts; for a cancel, the size the order was placed with (a partial fill keeps the approval valid). */
  units: z.number().int().positive(),
  order_type: z.enum(['limit', 'market']),
  /** Null for a market order. */
  limit_price: ZCanonicalPrice.nullable(),
  /** For a cancel only: the exchange order it cancels (absent otherwise, so placement hashes stay as they were). */
  order_id: ZExchangeOrderId.optional(),
  /** Absent when the approval binds no price band (so hashes without one stay as they were). */
  price_band: ZPriceBand.optional(),
});
export type TTradeIntent = z.infer<typeof ZTradeIntent>;

const SUMMARY_FIELDS = {
  coin: true,
  side: true,
  action: true,
  units: true,
  order_type: true,
  limit_price: true,
  order_id: true,
  price_band: true,
} as const;

/** The trade fields of an intent, as a plan shows them (who and which account are the plan's own fields). */
export const ZPlanIntent = ZTradeIntent.pick({ ...SUMMARY_FIELDS, intent_action: true });
export type TPlanIntent = z.infer<typeof ZPlanIntent>;

/** What the approver saw, kept with the approval. Display only: the intent hash is what binds it to the trade. */
export const ZIntentSummary = ZTradeIntent.pick(SUMMARY_FIELDS);
export type TIntentSummary = z.infer<typeof ZIntentSummary>;

/** The plan's view of an intent. The order of the fields is the plan's (its JSON is byte-stable). */
export function planIntentOf(intent: TTradeIntent): TPlanIntent {
  return {
    coin: intent.coin,
    side: intent.side,
    action: intent.action,
    intent_action: intent.intent_action,
    units: intent.units,
    order_type: intent.order_type,
    limit_price: intent.limit_price,
    ...(intent.order_id === undefined ? {} : { order_id: intent.order_id }),
    ...(intent.price_band === undefined ? {} : { price_band: intent.price_band }),
  };
}

/** The approval's summary of a plan's intent (a portal mints it from the plan Plant drafted). */
export function intentSummaryOf(intent: TPlanIntent): TIntentSummary {
  const { intent_action: _bound, ...summary } = intent;
  return summary;
}
