import { num } from '../format.ts';
import type { Market } from '../market/market.ts';
import { productById } from '../market/products.ts';
import { lockAccount } from './accounts.ts';
import { cancelLegs, ensureBracket } from './brackets.ts';
import { type Engine, inTx } from './engine.ts';
import { positionFor } from './fills.ts';
import { ORDER_COLUMNS, type OrderRow } from './rows.ts';
import { cancelRow, executeOrder, orderById, reduceOnlySize } from './trading.ts';

/** The price a stop watches: mark (Delta's default), last traded, or the spot index. */
export function triggerPrice(market: Market, order: OrderRow): number {
  const id = Number(order.product_id);
  switch (order.stop_trigger_method) {
    case 'last_traded_price':
      return market.lastPrice(id);
    case 'spot_price':
      return market.spot(id);
    default:
      return market.mark(id);
  }
}

/**
 * A stop-loss sells when the price falls to its stop and buys when it rises to it (it cuts a loss); a
 * take-profit does the opposite.
 */
export function isTriggered(order: OrderRow, price: number): boolean {
  const stop = num(order.stop_price);
  const sell = order.side === 'sell';
  if (order.stop_order_type === 'take_profit_order') return sell ? price >= stop : price <= stop;
  return sell ? price <= stop : price >= stop;
}

/**
 * After a move: pending stop orders whose trigger price has been reached become live orders and execute now
 * (market) or rest (limit). One that cannot execute (no position left to reduce, insufficient margin) is cancelled
 * with the reason, as Delta cancels a triggered stop it cannot place.
 */
export async function triggerStops(e: Engine, productId: number): Promise<number> {
  const p = productById(productId);
  if (!p) return 0;
  const pending = await e.db.query<OrderRow>(
    `SELECT ${ORDER_COLUMNS} FROM px_orders WHERE product_id = $1 AND state = 'pending' ORDER BY id`,
    [productId],
  );
  let triggered = 0;
  for (const candidate of pending.rows) {
    if (!isTriggered(candidate, triggerPrice(e.market, candidate))) continue;
    triggered++;
    await inTx(e, async (tx, ctx) => {
      await lockAccount(tx, candidate.account_id);
      const order = await orderById(tx, candidate.account_id, candidate.id);
      if (order?.state !== 'pending') return;
      let size = order.unfilled_size;
      if (order.reduce_only || order.bracket_order) {
        const pos = await positionFor(tx, order.account_id, p.id);
        // A bracket leg closes the whole position as it is when the leg triggers.
        const want = order.bracket_order ? Math.abs(pos.size) || size : size;
        const clamped = reduceOnlySize(pos, order.side, want);
        if (clamped === undefined) {
          ctx.fx.changed(await cancelRow(tx, order.id, 'no_position_for_reduce_only'), 'stop_cancel');
          return;
        }
        size = clamped;
      }
      const live = await tx.query<OrderRow>(
        `UPDATE px_orders SET state = 'open', size = $2, unfilled_size = $2, updated_at = clock_timestamp()
         WHERE id = $1 RETURNING ${ORDER_COLUMNS}`,
        [order.id, size],
      );
      const active = live.rows[0]!;
      ctx.fx.changed(active, 'stop_trigger');
      if (order.bracket_group !== null) {
        await cancelLegs(tx, ctx, order.account_id, p.id, 'bracket_order_triggered', order.id);
      }
      const r = await executeOrder(tx, ctx, active, p);
      if ('reject' in r) {
        const code = String((r.reject.body.error as { code?: string }).code ?? 'rejected');
        ctx.fx.changed(await cancelRow(tx, order.id, code), null);
        return;
      }
      if (r.filled > 0 || r.order.state !== 'open') ctx.fx.changed(r.order, r.filled > 0 ? 'fill' : null);
      if (r.filled > 0) await ensureBracket(tx, ctx, r.order);
    });
  }
  return triggered;
}
