import { z } from 'zod';
import { badSchema, orderError } from '../delta-errors.ts';
import { type ProductSpec, productById, productBySymbol } from '../market/products.ts';

/** Order request bodies, parsed leniently the way Delta and its clients spell them. */

// Delta's swagger says string enums "true"/"false"; CCXT sends JSON booleans. Accept both.
export const flag = z
  .union([z.boolean(), z.enum(['true', 'false'])])
  .optional()
  .transform((v) => (v === undefined ? undefined : v === true || v === 'true'));

// Bounded in both spellings: a 400-digit string or 1e300 never reaches the engine.
export const decimal = z
  .union([
    z.number().finite().min(-1e12).max(1e12),
    z
      .string()
      .max(40)
      .regex(/^-?\d{1,12}(\.\d{1,12})?$/),
  ])
  .transform(Number);

const size = z.union([
  z.number().int().positive().max(100_000_000),
  z
    .string()
    .regex(/^[1-9]\d{0,8}$/)
    .transform(Number),
]);

const trigger = z.enum(['mark_price', 'last_traded_price', 'spot_price']);

// Order ids fit a bigint with room to spare; a larger number is refused before it reaches SQL.
const orderId = z
  .union([z.number().int().positive().max(1e15), z.string().regex(/^\d{1,15}$/)])
  .transform(String);

export const ZPlaceOrder = z.looseObject({
  product_id: z.coerce.number().int().positive().max(2_147_483_647).optional(),
  product_symbol: z.string().max(64).optional(),
  size,
  side: z.enum(['buy', 'sell']),
  order_type: z.enum(['limit_order', 'market_order']).default('market_order'),
  limit_price: decimal.nullish(),
  // Delta removed "fok" in May 2024 ("no longer supported"): it is refused like any other unknown value.
  time_in_force: z
    .enum(['gtc', 'ioc'], { message: 'time_in_force is gtc or ioc (fok is no longer supported)' })
    .default('gtc'),
  post_only: flag,
  reduce_only: flag,
  client_order_id: z.string().min(1).max(32).nullish(),
  stop_order_type: z.enum(['stop_loss_order', 'take_profit_order']).nullish(),
  stop_price: decimal.nullish(),
  stop_trigger_method: trigger.nullish(),
  trail_amount: decimal.nullish(),
  bracket_stop_loss_price: decimal.nullish(),
  bracket_stop_loss_limit_price: decimal.nullish(),
  bracket_take_profit_price: decimal.nullish(),
  bracket_take_profit_limit_price: decimal.nullish(),
  bracket_stop_trigger_method: trigger.nullish(),
  bracket_trail_amount: decimal.nullish(),
  mmp: z.enum(['disabled', 'mmp1', 'mmp2', 'mmp3', 'mmp4', 'mmp5']).optional(),
  cancel_orders_accepted: flag,
});
export type PlaceOrderBody = z.infer<typeof ZPlaceOrder>;

export const ZEditOrder = z.looseObject({
  id: orderId,
  product_id: z.coerce.number().int().positive().max(2_147_483_647).optional(),
  product_symbol: z.string().max(64).optional(),
  limit_price: decimal.nullish(),
  size: size.optional(),
  post_only: flag,
  stop_price: decimal.nullish(),
  trail_amount: decimal.nullish(),
  mmp: z.enum(['disabled', 'mmp1', 'mmp2', 'mmp3', 'mmp4', 'mmp5']).optional(),
});

export const ZCancel = z.looseObject({
  id: orderId.optional(),
  client_order_id: z.string().min(1).max(32).optional(),
  product_id: z.coerce.number().int().positive().max(2_147_483_647),
});

const leg = z.looseObject({
  order_type: z.enum(['limit_order', 'market_order']).default('market_order'),
  stop_price: decimal,
  limit_price: decimal.nullish(),
  trail_amount: decimal.nullish(),
});

export const ZBracket = z.looseObject({
  product_id: z.coerce.number().int().positive().max(2_147_483_647).optional(),
  product_symbol: z.string().max(64).optional(),
  stop_loss_order: leg.optional(),
  take_profit_order: leg.optional(),
  bracket_stop_trigger_method: trigger.optional(),
});

export const ZEditBracket = z.looseObject({
  id: orderId,
  product_id: z.coerce.number().int().positive().max(2_147_483_647).optional(),
  product_symbol: z.string().max(64).optional(),
  bracket_stop_loss_price: decimal.nullish(),
  bracket_stop_loss_limit_price: decimal.nullish(),
  bracket_take_profit_price: decimal.nullish(),
  bracket_take_profit_limit_price: decimal.nullish(),
  bracket_trail_amount: decimal.nullish(),
});

/** Exactly one of product_id and product_symbol; an unknown product is Delta's `invalid_contract`. */
export function productOf(b: {
  product_id?: number | undefined;
  product_symbol?: string | undefined;
}): ProductSpec {
  if ((b.product_id === undefined) === (b.product_symbol === undefined)) {
    throw badSchema([{ path: 'product_id', message: 'give exactly one of product_id and product_symbol' }]);
  }
  const p = b.product_id !== undefined ? productById(b.product_id) : productBySymbol(b.product_symbol!);
  if (!p) throw orderError('invalid_contract');
  return p;
}

/** A positive price on the product's tick (`invalid_limit_price` when off the tick), or undefined. */
export function tickPrice(
  p: ProductSpec,
  value: number | null | undefined,
  param: string,
): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (!(value > 0)) throw badSchema([{ path: param, message: `${param} must be positive` }]);
  const ticks = value / p.tickSize;
  if (Math.abs(ticks - Math.round(ticks)) > 1e-9)
    throw orderError(`invalid_${param.replace(/^bracket_/, '')}`);
  return value;
}

/** Trailing stops are not simulated: refused in Delta's shape rather than silently treated as plain stops. */
export function refuseTrailing(b: Record<string, unknown>, ...fields: string[]): void {
  for (const f of fields) {
    if (b[f] !== undefined && b[f] !== null) {
      throw badSchema([{ path: f, message: 'trailing stops are not supported by the paper exchange' }]);
    }
  }
}
