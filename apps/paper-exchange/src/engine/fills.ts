import type { Queryable } from '@delta/server-kit';
import { dec, num } from '../format.ts';
import type { Market } from '../market/market.ts';
import type { ProductSpec } from '../market/products.ts';
import type { Effects } from './effects.ts';
import { post } from './ledger.ts';
import { type FillRow, ORDER_COLUMNS, type OrderRow, POSITION_COLUMNS, type PositionRow } from './rows.ts';

/** What an engine operation needs besides its transaction: the market, and where to record what it changed. */
export interface EngineCtx {
  market: Market;
  fx: Effects;
}

export const signOf = (side: 'buy' | 'sell') => (side === 'buy' ? 1 : -1);

export async function positionFor(tx: Queryable, accountId: string, productId: number): Promise<PositionRow> {
  const r = await tx.query<PositionRow>(
    `SELECT ${POSITION_COLUMNS} FROM px_positions WHERE account_id = $1 AND product_id = $2`,
    [accountId, productId],
  );
  const row = r.rows[0];
  return row
    ? { ...row, size: Number(row.size) }
    : {
        account_id: accountId,
        product_id: productId,
        size: 0,
        entry_price: null,
        realized_pnl: '0',
        realized_funding: '0',
        updated_at: new Date(),
      };
}

export interface FillOutcome {
  filled: number;
  notional: number;
  commission: number;
}

export interface FillOptions {
  role: 'taker' | 'maker';
  fillType?: 'normal' | 'liquidation';
  /** Overrides the product's rate (a liquidation at the bankruptcy price pays none). */
  commissionRate?: number;
}

/**
 * Books one fill: the position (average entry, realized PnL, never crossing zero by accident), the wallet through
 * the ledger (cashflow and commission), the fill row, and the effects (fill event, public trade).
 */
export async function applyFill(
  tx: Queryable,
  ctx: EngineCtx,
  order: OrderRow,
  p: ProductSpec,
  price: number,
  size: number,
  o: FillOptions,
): Promise<FillOutcome> {
  const pos = await positionFor(tx, order.account_id, p.id);
  const signed = signOf(order.side) * size;
  const entry = num(pos.entry_price);
  let realized = 0;
  const newSize = pos.size + signed;
  let newEntry = entry;
  if (pos.size === 0 || Math.sign(pos.size) === Math.sign(signed)) {
    newEntry = (Math.abs(pos.size) * entry + size * price) / (Math.abs(pos.size) + size);
  } else {
    const closing = Math.min(size, Math.abs(pos.size));
    realized = closing * p.contractValue * (price - entry) * Math.sign(pos.size);
    if (size > Math.abs(pos.size)) newEntry = price; // flipped: the remainder opens at this price
  }
  // Delta's realized PnL and funding are "since the position was opened": a position opened anew starts at 0.
  const fresh = pos.size === 0 || (newSize !== 0 && Math.sign(newSize) !== Math.sign(pos.size));
  const rate = o.commissionRate ?? (o.role === 'taker' ? p.takerRate : p.makerRate);
  const commission = size * p.contractValue * price * rate;
  await tx.query(
    `INSERT INTO px_positions (account_id, product_id, size, entry_price, realized_pnl, realized_funding, updated_at)
     VALUES ($1, $2, $3, $4, $5, 0, clock_timestamp())
     ON CONFLICT (account_id, product_id) DO UPDATE SET size = EXCLUDED.size, entry_price = EXCLUDED.entry_price,
       realized_pnl = CASE WHEN $6 THEN EXCLUDED.realized_pnl ELSE px_positions.realized_pnl + EXCLUDED.realized_pnl END,
       realized_funding = CASE WHEN $6 THEN 0 ELSE px_positions.realized_funding END,
       updated_at = clock_timestamp()`,
    [
      order.account_id,
      p.id,
      newSize,
      newSize === 0 ? null : dec(newEntry, 10),
      dec(fresh && pos.size !== 0 ? 0 : realized, 8),
      fresh,
    ],
  );
  const fill = await tx.query<FillRow>(
    `INSERT INTO px_fills (order_id, account_id, product_id, side, size, price, role, commission, realized_pnl,
       fill_type)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     RETURNING id, order_id, account_id, product_id, side, size, price, role, commission, realized_pnl, created_at,
       fill_type`,
    [
      order.id,
      order.account_id,
      p.id,
      order.side,
      size,
      price,
      o.role,
      dec(commission, 8),
      dec(realized, 8),
      o.fillType ?? 'normal',
    ],
  );
  // Money moves in the wallet's smallest unit (1e-8 USD), exactly as the fill row records it.
  const fillRow = fill.rows[0]!;
  const meta = { fill_id: fillRow.id, order_id: order.id };
  await post(tx, order.account_id, {
    type: 'cashflow',
    amount: num(fillRow.realized_pnl),
    productId: p.id,
    meta,
  });
  if (num(fillRow.commission) !== 0) {
    await tx.query('UPDATE px_accounts SET commission_paid = commission_paid + $2 WHERE id = $1', [
      order.account_id,
      fillRow.commission,
    ]);
    await post(tx, order.account_id, {
      type: 'commission',
      amount: -num(fillRow.commission),
      productId: p.id,
      meta,
    });
  }
  ctx.fx.fill({ ...fillRow, client_order_id: order.client_order_id }, newSize);
  ctx.fx.trades.push({ productId: p.id, price, size, side: order.side });
  return { filled: size, notional: size * price, commission: num(fillRow.commission) };
}

/** Writes an order's fills (average price, commission), and its state: closed, cancelled with a reason, or open. */
export async function finishOrder(
  tx: Queryable,
  order: OrderRow,
  outcomes: FillOutcome[],
  cancelRest: string | null,
): Promise<OrderRow> {
  const filled = outcomes.reduce((a, o) => a + o.filled, 0);
  const notional = outcomes.reduce((a, o) => a + o.notional, 0);
  const commission = outcomes.reduce((a, o) => a + o.commission, 0);
  const unfilled = order.unfilled_size - filled;
  const prevFilled = order.size - order.unfilled_size;
  const prevAvg = num(order.average_fill_price);
  const avg = filled + prevFilled > 0 ? (prevAvg * prevFilled + notional) / (prevFilled + filled) : null;
  const state = unfilled === 0 ? 'closed' : cancelRest ? 'cancelled' : 'open';
  const r = await tx.query<OrderRow>(
    `UPDATE px_orders SET unfilled_size = $2, average_fill_price = $3, paid_commission = paid_commission + $4,
       state = $5, cancellation_reason = $6, updated_at = clock_timestamp()
     WHERE id = $1 RETURNING ${ORDER_COLUMNS}`,
    [
      order.id,
      unfilled,
      avg === null ? null : dec(avg, 10),
      dec(commission, 10),
      state,
      state === 'cancelled' ? cancelRest : null,
    ],
  );
  return r.rows[0]!;
}
