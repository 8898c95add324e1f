import type { Queryable } from '@delta/server-kit';
import { orderError } from '../delta-errors.ts';
import { dec, num } from '../format.ts';
import type { ProductSpec } from '../market/products.ts';
import { leverageMap, lockAccount } from './accounts.ts';
import { type Engine, inTx } from './engine.ts';
import { type EngineCtx, positionFor } from './fills.ts';
import { ORDER_COLUMNS, type OrderRow, type TriggerMethod } from './rows.ts';

/**
 * Brackets: a take-profit and a stop-loss that close the whole position, one per position ("multiple bracket
 * orders for open orders but only a single bracket order for any open position"). A bracket is born either from
 * an entry order that carries `bracket_*` prices (when it fills) or from `POST /v2/orders/bracket` on an open
 * position. Its legs are reduce-only stop orders of one group: when one triggers the other is cancelled, and both
 * go when the position is flat.
 */

export interface LegSpec {
  stopPrice: number;
  limitPrice?: number | undefined;
}

export interface PositionBracket {
  product: ProductSpec;
  stopLoss?: LegSpec | undefined;
  takeProfit?: LegSpec | undefined;
  trigger: TriggerMethod;
}

async function activeLegs(tx: Queryable, accountId: string, productId: number): Promise<OrderRow[]> {
  const r = await tx.query<OrderRow>(
    `SELECT ${ORDER_COLUMNS} FROM px_orders WHERE account_id = $1 AND product_id = $2 AND bracket_order
       AND state IN ('pending', 'open') ORDER BY id`,
    [accountId, productId],
  );
  return r.rows;
}

async function insertLegs(
  tx: Queryable,
  ctx: EngineCtx,
  accountId: string,
  positionSize: number,
  b: PositionBracket,
): Promise<void> {
  const side = positionSize > 0 ? 'sell' : 'buy';
  const leverage = (await leverageMap(tx, accountId)).get(b.product.id) ?? b.product.defaultLeverage;
  const legs: [OrderRow['stop_order_type'], LegSpec | undefined][] = [
    ['stop_loss_order', b.stopLoss],
    ['take_profit_order', b.takeProfit],
  ];
  let group: string | null = null;
  for (const [type, leg] of legs) {
    if (!leg) continue;
    const r: { rows: OrderRow[] } = await tx.query<OrderRow>(
      `INSERT INTO px_orders (account_id, product_id, side, order_type, size, unfilled_size, limit_price,
         time_in_force, reduce_only, state, leverage, stop_order_type, stop_price, stop_trigger_method,
         bracket_order, bracket_group, source)
       VALUES ($1, $2, $3, $4, $5, $5, $6, 'gtc', true, 'pending', $7, $8, $9, $10, true, $11, 'bracket')
       RETURNING ${ORDER_COLUMNS}`,
      [
        accountId,
        b.product.id,
        side,
        leg.limitPrice === undefined ? 'market_order' : 'limit_order',
        Math.abs(positionSize),
        leg.limitPrice === undefined ? null : dec(leg.limitPrice, 10),
        leverage,
        type,
        dec(leg.stopPrice, 10),
        b.trigger,
        group,
      ],
    );
    let row: OrderRow = r.rows[0]!;
    if (group === null) {
      group = row.id;
      const u = await tx.query<OrderRow>(
        `UPDATE px_orders SET bracket_group = id WHERE id = $1 RETURNING ${ORDER_COLUMNS}`,
        [row.id],
      );
      row = u.rows[0]!;
    }
    ctx.fx.order(row, 'create');
  }
}

/** Cancels the bracket legs of a position (it went flat, or one leg triggered: `exceptId`). */
export async function cancelLegs(
  tx: Queryable,
  ctx: EngineCtx,
  accountId: string,
  productId: number,
  reason: string,
  exceptId?: string,
): Promise<void> {
  const r = await tx.query<OrderRow>(
    `UPDATE px_orders SET state = 'cancelled', cancellation_reason = $3, updated_at = clock_timestamp()
     WHERE account_id = $1 AND product_id = $2 AND bracket_order AND state IN ('pending', 'open')
       AND ($4::bigint IS NULL OR id <> $4::bigint)
     RETURNING ${ORDER_COLUMNS}`,
    [accountId, productId, reason, exceptId ?? null],
  );
  for (const row of r.rows) ctx.fx.changed(row, 'stop_cancel');
}

/**
 * After an order filled: a flat position loses its bracket; an entry with bracket prices gives its position one
 * (unless the position has one already).
 */
export async function ensureBracket(tx: Queryable, ctx: EngineCtx, order: OrderRow): Promise<void> {
  const productId = Number(order.product_id);
  const pos = await positionFor(tx, order.account_id, productId);
  if (pos.size === 0) {
    await cancelLegs(tx, ctx, order.account_id, productId, 'position_closed');
    return;
  }
  const sl = order.bracket_stop_loss_price;
  const tp = order.bracket_take_profit_price;
  if (order.bracket_order || (sl === null && tp === null)) return;
  if ((await activeLegs(tx, order.account_id, productId)).length > 0) return;
  const limit = (v: string | null) => (v === null ? undefined : num(v));
  await insertLegs(tx, ctx, order.account_id, pos.size, {
    product: ctx.market.productOf(productId),
    stopLoss:
      sl === null
        ? undefined
        : { stopPrice: num(sl), limitPrice: limit(order.bracket_stop_loss_limit_price) },
    takeProfit:
      tp === null
        ? undefined
        : { stopPrice: num(tp), limitPrice: limit(order.bracket_take_profit_limit_price) },
    trigger: order.bracket_stop_trigger_method ?? 'mark_price',
  });
}

/** `POST /v2/orders/bracket`: a bracket on the open position. */
export function attachBracket(e: Engine, accountId: string, b: PositionBracket): Promise<void> {
  return inTx(e, async (tx, ctx) => {
    await lockAccount(tx, accountId);
    const pos = await positionFor(tx, accountId, b.product.id);
    if (pos.size === 0) throw orderError('no_open_position', { product_id: b.product.id });
    if ((await activeLegs(tx, accountId, b.product.id)).length > 0) {
      throw orderError('position_bracket_exist_or_invalid_data', { product_id: b.product.id });
    }
    await insertLegs(tx, ctx, accountId, pos.size, b);
  });
}
