import { z } from 'zod';

/**
 * Exchange responses are untrusted input: every result is parsed with these schemas before the caller sees it.
 * Decimals stay strings (no float rounding of money); sizes and ids are integers.
 */
export const ZDecimal = z.string().regex(/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/, 'a decimal string');
const ZInt = z.number().int();
const ZIntLike = z.union([
  ZInt,
  z
    .string()
    .regex(/^-?\d+$/)
    .transform(Number),
]);
const ZDecimalLike = z.union([ZDecimal, z.number().transform(String)]);

export const ZEnvelope = z.object({
  success: z.literal(true),
  result: z.unknown(),
  meta: z.record(z.string(), z.unknown()).optional(),
});

const ZAssetRef = z.object({ symbol: z.string() }).nullish();

export const ZProduct = z.object({
  id: ZInt,
  symbol: z.string().min(1),
  description: z.string().optional(),
  contract_type: z.string(),
  contract_value: ZDecimal,
  contract_unit_currency: z.string().optional(),
  tick_size: ZDecimal,
  initial_margin: ZDecimalLike.optional(),
  maintenance_margin: ZDecimalLike.optional(),
  default_leverage: ZDecimalLike.optional(),
  position_size_limit: ZIntLike.optional(),
  taker_commission_rate: ZDecimalLike.optional(),
  maker_commission_rate: ZDecimalLike.optional(),
  /** The allowed price band, ± this percentage of the mark price (Delta's `price_band`). */
  price_band: ZDecimalLike.optional(),
  state: z.string(),
  trading_status: z.string().optional(),
  underlying_asset: ZAssetRef,
  quoting_asset: ZAssetRef,
  settling_asset: ZAssetRef,
});
export type DeltaProduct = z.infer<typeof ZProduct>;

export const ZTicker = z.object({
  symbol: z.string(),
  product_id: ZInt,
  mark_price: ZDecimalLike,
  spot_price: ZDecimalLike.nullish(),
  close: z.union([z.number(), ZDecimal]).nullish(),
  high: z.union([z.number(), ZDecimal]).nullish(),
  low: z.union([z.number(), ZDecimal]).nullish(),
  open: z.union([z.number(), ZDecimal]).nullish(),
  volume: z.union([z.number(), ZDecimal]).nullish(),
  timestamp: z.number(),
  funding_rate: ZDecimalLike.nullish(),
  quotes: z
    .object({
      best_bid: ZDecimalLike.nullish(),
      best_ask: ZDecimalLike.nullish(),
      bid_size: ZDecimalLike.nullish(),
      ask_size: ZDecimalLike.nullish(),
    })
    .nullish(),
});
export type DeltaTicker = z.infer<typeof ZTicker>;

export const ZOrderState = z.enum(['open', 'pending', 'closed', 'cancelled']);

export const ZOrder = z.object({
  id: ZInt,
  user_id: ZInt.optional(),
  product_id: ZInt,
  product_symbol: z.string().nullish(),
  size: ZInt,
  unfilled_size: ZInt,
  side: z.enum(['buy', 'sell']),
  order_type: z.string(),
  limit_price: ZDecimal.nullish(),
  stop_price: ZDecimal.nullish(),
  paid_commission: ZDecimal.nullish(),
  reduce_only: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]),
  post_only: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]).nullish(),
  client_order_id: z.string().nullish(),
  state: ZOrderState,
  created_at: z.union([z.string(), z.number()]),
  updated_at: z.union([z.string(), z.number()]).nullish(),
  average_fill_price: ZDecimal.nullish(),
  time_in_force: z.string().nullish(),
  cancellation_reason: z.string().nullish(),
});
export type DeltaOrder = z.infer<typeof ZOrder>;

export const ZFill = z.object({
  id: ZInt,
  order_id: z.union([z.string(), ZInt]).transform(String),
  client_order_id: z.string().nullish(),
  product_id: ZInt,
  product_symbol: z.string().nullish(),
  side: z.enum(['buy', 'sell']),
  size: ZInt,
  price: ZDecimal,
  role: z.string(),
  commission: ZDecimal,
  realized_pnl: ZDecimal.optional(),
  created_at: z.union([z.string(), z.number()]),
});
export type DeltaFill = z.infer<typeof ZFill>;

export const ZPosition = z.object({ size: ZInt, entry_price: ZDecimal.nullish() });
export type DeltaPosition = z.infer<typeof ZPosition>;

export const ZMarginedPosition = z.object({
  product_id: ZInt,
  product_symbol: z.string(),
  size: ZInt,
  entry_price: ZDecimal,
  margin: ZDecimal,
  liquidation_price: ZDecimal.nullish(),
  bankruptcy_price: ZDecimal.nullish(),
  realized_pnl: ZDecimal,
  realized_funding: ZDecimal.nullish(),
  unrealized_pnl: ZDecimal.nullish(),
  mark_price: ZDecimal.nullish(),
});
export type DeltaMarginedPosition = z.infer<typeof ZMarginedPosition>;

export const ZBalance = z.object({
  asset_id: ZInt,
  asset_symbol: z.string(),
  balance: ZDecimal,
  available_balance: ZDecimal,
  blocked_margin: ZDecimal.optional(),
  order_margin: ZDecimal.optional(),
  position_margin: ZDecimal.optional(),
  commission: ZDecimal.optional(),
});
export type DeltaBalance = z.infer<typeof ZBalance>;

export const ZLeverage = z.object({
  leverage: ZDecimalLike,
  product_id: ZInt,
  order_margin: ZDecimal.optional(),
});
export type DeltaLeverage = z.infer<typeof ZLeverage>;

export const ZProfile = z.object({
  id: ZInt,
  email: z.string().optional(),
  account_name: z.string().nullish(),
  first_name: z.string().nullish(),
  last_name: z.string().nullish(),
  country: z.string().nullish(),
});
export type DeltaProfile = z.infer<typeof ZProfile>;

/**
 * `GET /v2/users/trading_preferences` (Delta's `UserPreference`): only `user_id` matters here — it names the account
 * behind a key (what Delta's own MCP server reads); the other fields (VIP level, notification settings) are ignored.
 */
export const ZTradingPreferences = z.object({ user_id: ZInt.positive() });
export type DeltaTradingPreferences = z.infer<typeof ZTradingPreferences>;

/** `GET /v2/history/candles`: `time` is the bucket start in Unix seconds; prices are numbers on this endpoint. */
export const ZCandle = z.object({
  time: ZInt,
  open: z.number(),
  high: z.number(),
  low: z.number(),
  close: z.number(),
  volume: z.number().nullish(),
});
export type DeltaCandle = z.infer<typeof ZCandle>;

/** What a caller asks for. `client_order_id` is the caller's, persisted before the call (exactly-once key). */
export const ZPlaceOrderInput = z.strictObject({
  product_id: z.number().int().positive(),
  size: z.number().int().positive(),
  side: z.enum(['buy', 'sell']),
  order_type: z.enum(['limit_order', 'market_order']),
  limit_price: ZDecimal.optional(),
  time_in_force: z.enum(['gtc', 'ioc']).optional(),
  post_only: z.boolean().optional(),
  reduce_only: z.boolean().optional(),
  client_order_id: z.string().regex(/^[A-Za-z0-9_\-.]{1,32}$/, 'client_order_id: 1–32 of [A-Za-z0-9_-.]'),
});
export type PlaceOrderInput = z.infer<typeof ZPlaceOrderInput>;
