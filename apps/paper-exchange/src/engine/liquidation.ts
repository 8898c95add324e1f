import { dec, num } from '../format.ts';
import { type ProductSpec, productById } from '../market/products.ts';
import { leverageMap, lockAccount } from './accounts.ts';
import { cancelLegs } from './brackets.ts';
import { type Engine, inTx } from './engine.ts';
import { applyFill, finishOrder, positionFor } from './fills.ts';
import { ORDER_COLUMNS, type OrderRow, POSITION_COLUMNS, type PositionRow } from './rows.ts';

/**
 * Isolated margin, as Delta describes it: a position's margin is its entry notional over the leverage
 * (initial margin = 1/leverage), the maintenance margin is the product's `maintenance_margin` % of that notional.
 *  - bankruptcy price: where the unrealized loss equals the margin  (long: entry·(1 − 1/lev));
 *  - liquidation price: where margin + unrealized PnL equals the maintenance margin (long: entry·(1 − 1/lev + mm)).
 * When the mark reaches the liquidation price the position is closed at its bankruptcy price: the loss booked is
 * exactly the margin, there is nothing left for a liquidation charge.
 */
export interface IsolatedPrices {
  margin: number;
  liquidation: number;
  bankruptcy: number;
}

export function isolatedPrices(
  p: ProductSpec,
  size: number,
  entry: number,
  leverage: number,
): IsolatedPrices {
  const im = 1 / leverage;
  const mm = p.maintenanceMargin / 100;
  const long = size > 0;
  return {
    margin: (Math.abs(size) * p.contractValue * entry) / leverage,
    liquidation: long ? entry * (1 - im + mm) : entry * (1 + im - mm),
    bankruptcy: long ? entry * (1 - im) : entry * (1 + im),
  };
}

function breached(pos: PositionRow, prices: IsolatedPrices, mark: number): boolean {
  return pos.size > 0 ? mark <= prices.liquidation : mark >= prices.liquidation;
}

/** After a move: every position on the product whose liquidation price the mark has reached is liquidated. */
export async function liquidatePositions(e: Engine, productId: number): Promise<number> {
  const p = productById(productId);
  if (!p) return 0;
  const r = await e.db.query<PositionRow>(
    `SELECT ${POSITION_COLUMNS} FROM px_positions WHERE product_id = $1 AND size <> 0`,
    [productId],
  );
  let done = 0;
  for (const candidate of r.rows) {
    const mark = e.market.mark(productId);
    const lev = (await leverageMap(e.db, candidate.account_id)).get(productId) ?? p.defaultLeverage;
    const size = Number(candidate.size);
    if (!breached({ ...candidate, size }, isolatedPrices(p, size, num(candidate.entry_price), lev), mark)) {
      continue;
    }
    await inTx(e, async (tx, ctx) => {
      await lockAccount(tx, candidate.account_id);
      const pos = await positionFor(tx, candidate.account_id, productId);
      if (pos.size === 0) return;
      const prices = isolatedPrices(p, pos.size, num(pos.entry_price), lev);
      if (!breached(pos, prices, e.market.mark(productId))) return;
      // The position's orders on this contract go first (a reduce-only order has nothing left to reduce).
      const cancelled = await tx.query<OrderRow>(
        `UPDATE px_orders SET state = 'cancelled', cancellation_reason = 'liquidation', updated_at = clock_timestamp()
         WHERE account_id = $1 AND product_id = $2 AND state IN ('open', 'pending') AND NOT bracket_order
         RETURNING ${ORDER_COLUMNS}`,
        [pos.account_id, productId],
      );
      for (const o of cancelled.rows) ctx.fx.changed(o, 'liquidation');
      await cancelLegs(tx, ctx, pos.account_id, productId, 'liquidation');
      const side = pos.size > 0 ? 'sell' : 'buy';
      const ins = await tx.query<OrderRow>(
        `INSERT INTO px_orders (account_id, product_id, side, order_type, size, unfilled_size, time_in_force,
           reduce_only, state, leverage, source)
         VALUES ($1, $2, $3, 'market_order', $4, $4, 'ioc', true, 'open', $5, 'liquidation')
         RETURNING ${ORDER_COLUMNS}`,
        [pos.account_id, productId, side, Math.abs(pos.size), lev],
      );
      const order = ins.rows[0]!;
      ctx.fx.order(order, 'create', 'liquidation');
      const price = Number(dec(prices.bankruptcy, 8));
      const outcome = await applyFill(tx, ctx, order, p, price, Math.abs(pos.size), {
        role: 'taker',
        fillType: 'liquidation',
        commissionRate: 0,
      });
      ctx.fx.changed(await finishOrder(tx, order, [outcome], null), 'liquidation');
      done++;
    });
  }
  return done;
}
