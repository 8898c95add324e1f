import { badSchema, orderError } from '../delta-errors.ts';
import { dec } from '../format.ts';
import type { ProductSpec } from '../market/products.ts';
import { lockAccount } from './accounts.ts';
import { ensureBracket } from './brackets.ts';
import { type Engine, inTx } from './engine.ts';
import { ORDER_COLUMNS, type OrderRow } from './rows.ts';
import { executeOrder, orderById } from './trading.ts';

export interface EditRequest {
  id: string;
  product: ProductSpec;
  limitPrice?: number | undefined;
  /** The order's total size after the edit (what has filled stays filled). */
  size?: number | undefined;
  stopPrice?: number | undefined;
  postOnly?: boolean | undefined;
  bracket?: {
    stopLossPrice?: number | undefined;
    stopLossLimitPrice?: number | undefined;
    takeProfitPrice?: number | undefined;
    takeProfitLimitPrice?: number | undefined;
  };
}

const keep = (next: number | undefined, current: string | null) =>
  next === undefined ? current : dec(next, 10);

/**
 * `PUT /v2/orders` (and the bracket prices of `PUT /v2/orders/bracket`): an open or pending order gets a new
 * price, size or stop. Editing re-runs the checks a new order gets (band, post-only, margin) and an edited limit
 * that now crosses the book trades at once; a refusal leaves the order as it was.
 */
export function editOrder(e: Engine, accountId: string, req: EditRequest): Promise<OrderRow> {
  return inTx(e, async (tx, ctx) => {
    await lockAccount(tx, accountId);
    const order = await orderById(tx, accountId, req.id);
    if (!order || Number(order.product_id) !== req.product.id) throw orderError('open_order_not_found');
    if (order.state === 'closed') throw orderError('order_already_filled');
    if (order.state !== 'open' && order.state !== 'pending') throw orderError('open_order_not_found');
    if (order.bracket_order) {
      // Delta: a position's bracket legs are not editable.
      throw orderError('position_bracket_exist_or_invalid_data', { id: Number(order.id) });
    }
    if (req.limitPrice !== undefined && order.order_type !== 'limit_order') {
      throw badSchema([{ path: 'limit_price', message: 'only a limit order has a limit price to edit' }]);
    }
    if (req.stopPrice !== undefined && order.state !== 'pending') {
      throw badSchema([{ path: 'stop_price', message: 'only an untriggered stop order has a stop price' }]);
    }
    const filled = order.size - order.unfilled_size;
    const size = req.size ?? order.size;
    if (size <= filled) {
      throw badSchema([
        { path: 'size', message: `the total size must exceed the ${filled} contracts filled` },
      ]);
    }
    const b = req.bracket ?? {};
    const r = await tx.query<OrderRow>(
      `UPDATE px_orders SET limit_price = $2, size = $3, unfilled_size = $4, stop_price = $5, post_only = $6,
         bracket_stop_loss_price = $7, bracket_stop_loss_limit_price = $8, bracket_take_profit_price = $9,
         bracket_take_profit_limit_price = $10, updated_at = clock_timestamp()
       WHERE id = $1 RETURNING ${ORDER_COLUMNS}`,
      [
        order.id,
        keep(req.limitPrice, order.limit_price),
        size,
        size - filled,
        keep(req.stopPrice, order.stop_price),
        req.postOnly ?? order.post_only,
        keep(b.stopLossPrice, order.bracket_stop_loss_price),
        keep(b.stopLossLimitPrice, order.bracket_stop_loss_limit_price),
        keep(b.takeProfitPrice, order.bracket_take_profit_price),
        keep(b.takeProfitLimitPrice, order.bracket_take_profit_limit_price),
      ],
    );
    const edited = r.rows[0]!;
    if (edited.state === 'pending') {
      ctx.fx.changed(edited, 'stop_update');
      return edited;
    }
    const x = await executeOrder(tx, ctx, edited, req.product);
    if ('reject' in x) throw x.reject;
    ctx.fx.changed(x.order, x.filled > 0 ? 'fill' : null);
    if (x.filled > 0) await ensureBracket(tx, ctx, x.order);
    return x.order;
  });
}
