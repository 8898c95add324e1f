import type { Db, Queryable } from '@delta/server-kit';
import { orderError } from '../delta-errors.ts';
import { dec, num } from '../format.ts';
import { type BookLevel, type Market, walkBook } from '../market/market.ts';
import { type ProductSpec, productById, USD } from '../market/products.ts';
import { leverageMap, lockAccount, marginState } from './accounts.ts';
import { ORDER_COLUMNS, type OrderRow, type PositionRow } from './rows.ts';

export interface OrderRequest {
  product: ProductSpec;
  size: number;
  side: 'buy' | 'sell';
  orderType: 'limit_order' | 'market_order';
  limitPrice?: number | undefined;
  timeInForce: 'gtc' | 'ioc';
  postOnly: boolean;
  reduceOnly: boolean;
  clientOrderId?: string | undefined;
  /**
   * Refuse an order whose client_order_id the account has used before (`duplicate_client_order_id`). When false,
   * the exchange accepts the duplicate as a new order, as an exchange that does not police client ids would.
   */
  uniqueClientOrderId: boolean;
}

const signOf = (side: 'buy' | 'sell') => (side === 'buy' ? 1 : -1);

async function positionFor(tx: Queryable, accountId: string, productId: number): Promise<PositionRow> {
  const r = await tx.query<PositionRow>(
    `SELECT account_id, product_id, size, entry_price, realized_pnl, updated_at
     FROM px_positions WHERE account_id = $1 AND product_id = $2`,
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
        updated_at: new Date(),
      };
}

export async function orderById(db: Queryable, accountId: string, id: string): Promise<OrderRow | undefined> {
  const r = await db.query<OrderRow>(
    `SELECT ${ORDER_COLUMNS} FROM px_orders WHERE account_id = $1 AND id = $2`,
    [accountId, id],
  );
  return r.rows[0];
}

export async function orderByClientId(
  db: Queryable,
  accountId: string,
  clientOrderId: string,
): Promise<OrderRow | undefined> {
  const r = await db.query<OrderRow>(
    // With duplicates allowed, the first order under the id is the one a look-up by client id finds.
    `SELECT ${ORDER_COLUMNS} FROM px_orders WHERE account_id = $1 AND client_order_id = $2 ORDER BY id LIMIT 1`,
    [accountId, clientOrderId],
  );
  return r.rows[0];
}

interface FillOutcome {
  filled: number;
  notional: number;
  commission: number;
}

/** Books one fill: position (average entry, realized PnL, never crossing zero by accident), wallet, fill row. */
async function applyFill(
  tx: Queryable,
  order: OrderRow,
  p: ProductSpec,
  price: number,
  size: number,
  role: 'taker' | 'maker',
): Promise<FillOutcome> {
  const pos = await positionFor(tx, order.account_id, p.id);
  const signed = signOf(order.side) * size;
  const entry = num(pos.entry_price);
  let realized = 0;
  let newSize = pos.size + signed;
  let newEntry = entry;
  if (pos.size === 0 || Math.sign(pos.size) === Math.sign(signed)) {
    newEntry = (Math.abs(pos.size) * entry + size * price) / (Math.abs(pos.size) + size);
  } else {
    const closing = Math.min(size, Math.abs(pos.size));
    realized = closing * p.contractValue * (price - entry) * Math.sign(pos.size);
    if (size > Math.abs(pos.size)) newEntry = price; // flipped: the remainder opens at this price
    if (newSize === 0) newEntry = 0;
  }
  newSize = pos.size + signed;
  const rate = role === 'taker' ? p.takerRate : p.makerRate;
  const commission = size * p.contractValue * price * rate;
  await tx.query(
    `INSERT INTO px_positions (account_id, product_id, size, entry_price, realized_pnl, updated_at)
     VALUES ($1, $2, $3, $4, $5, clock_timestamp())
     ON CONFLICT (account_id, product_id) DO UPDATE SET size = EXCLUDED.size, entry_price = EXCLUDED.entry_price,
       realized_pnl = px_positions.realized_pnl + $5, updated_at = clock_timestamp()`,
    [order.account_id, p.id, newSize, newSize === 0 ? null : dec(newEntry, 10), dec(realized, 10)],
  );
  await tx.query(
    `UPDATE px_accounts SET balance = balance + $2, commission_paid = commission_paid + $3 WHERE id = $1`,
    [order.account_id, dec(realized - commission, 10), dec(commission, 10)],
  );
  await tx.query(
    `INSERT INTO px_fills (order_id, account_id, product_id, side, size, price, role, commission, realized_pnl)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [order.id, order.account_id, p.id, order.side, size, price, role, dec(commission, 10), dec(realized, 10)],
  );
  return { filled: size, notional: size * price, commission };
}

async function finishOrder(
  tx: Queryable,
  order: OrderRow,
  outcomes: FillOutcome[],
  cancelRest: string | null,
) {
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

function crosses(side: 'buy' | 'sell', limit: number, levels: { bids: BookLevel[]; asks: BookLevel[] }) {
  return side === 'buy' ? limit >= levels.asks[0]!.price : limit <= levels.bids[0]!.price;
}

/** Places one order atomically for its account: checks, margin, insert, immediate fills, resting remainder. */
export async function placeOrder(
  db: Db,
  market: Market,
  accountId: string,
  req: OrderRequest,
): Promise<OrderRow> {
  return db.transaction(async (tx) => {
    const account = await lockAccount(tx, accountId);
    const p = req.product;
    if (
      req.uniqueClientOrderId &&
      req.clientOrderId !== undefined &&
      (await orderByClientId(tx, accountId, req.clientOrderId))
    ) {
      throw orderError('duplicate_client_order_id', { client_order_id: req.clientOrderId });
    }
    const pos = await positionFor(tx, accountId, p.id);
    let size = req.size;
    if (req.reduceOnly) {
      if (pos.size === 0 || Math.sign(pos.size) === signOf(req.side)) {
        throw orderError('no_position_for_reduce_only', { product_id: p.id, position_size: pos.size });
      }
      size = Math.min(size, Math.abs(pos.size)); // a reduce-only order never flips the position
    }
    if (Math.abs(pos.size + signOf(req.side) * size) > p.positionSizeLimit) {
      throw orderError('risk_limits_breached', { position_size_limit: p.positionSizeLimit });
    }
    const book = market.book(p);
    const isLimit = req.orderType === 'limit_order';
    const limit = isLimit ? req.limitPrice : undefined;
    if (isLimit && req.postOnly && limit !== undefined && crosses(req.side, limit, book)) {
      throw orderError('immediate_execution_post_only');
    }
    const fills = walkBook(book, req.side, size, limit);
    const takerQty = fills.reduce((a, f) => a + f.size, 0);
    const takerNotional = fills.reduce((a, f) => a + f.size * f.price, 0);
    const restingQty = isLimit && req.timeInForce === 'gtc' ? size - takerQty : 0;

    const leverage = (await leverageMap(tx, accountId)).get(p.id) ?? p.defaultLeverage;
    if (!req.reduceOnly) {
      const opposite = Math.sign(pos.size) === -signOf(req.side) ? Math.abs(pos.size) : 0;
      const openingTaker = Math.max(0, takerQty - opposite);
      const openingResting = Math.max(0, restingQty - Math.max(0, opposite - takerQty));
      const avgTaker = takerQty > 0 ? takerNotional / takerQty : 0;
      const required =
        (openingTaker * p.contractValue * avgTaker + openingResting * p.contractValue * (limit ?? 0)) /
          leverage +
        takerNotional * p.contractValue * p.takerRate;
      const state = await marginState(tx, account);
      if (required > state.available + 1e-9) {
        throw orderError('insufficient_margin', {
          asset_symbol: USD.symbol,
          available_balance: dec(Math.max(0, state.available)),
          required_additional_balance: dec(required - Math.max(0, state.available)),
        });
      }
    }

    const inserted = await tx.query<OrderRow>(
      `INSERT INTO px_orders (account_id, product_id, client_order_id, side, order_type, size, unfilled_size,
         limit_price, time_in_force, post_only, reduce_only, state, leverage)
       VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9, $10, 'open', $11) RETURNING ${ORDER_COLUMNS}`,
      [
        accountId,
        p.id,
        req.clientOrderId ?? null,
        req.side,
        req.orderType,
        size,
        limit === undefined ? null : dec(limit, 10),
        req.timeInForce,
        req.postOnly,
        req.reduceOnly,
        leverage,
      ],
    );
    const order = inserted.rows[0]!;
    const outcomes: FillOutcome[] = [];
    for (const f of fills) outcomes.push(await applyFill(tx, order, p, f.price, f.size, 'taker'));
    market.recordVolume(p.id, takerQty);
    const cancelRest = !isLimit ? 'no_liquidity' : req.timeInForce === 'ioc' ? 'ioc_unfilled' : null;
    return finishOrder(tx, order, outcomes, cancelRest);
  });
}

export async function cancelOrder(
  db: Db,
  accountId: string,
  ref: { id?: string | undefined; clientOrderId?: string | undefined },
): Promise<OrderRow> {
  return db.transaction(async (tx) => {
    await lockAccount(tx, accountId);
    const order =
      ref.id !== undefined
        ? await orderById(tx, accountId, ref.id)
        : await orderByClientId(tx, accountId, ref.clientOrderId ?? '');
    if (order?.state !== 'open') throw orderError('open_order_not_found');
    const r = await tx.query<OrderRow>(
      `UPDATE px_orders SET state = 'cancelled', cancellation_reason = 'cancelled_by_user',
         updated_at = clock_timestamp() WHERE id = $1 RETURNING ${ORDER_COLUMNS}`,
      [order.id],
    );
    return r.rows[0]!;
  });
}

/** After the mark moves: resting limit orders now crossed by the synthetic book fill in full, as maker. */
export async function matchResting(db: Db, market: Market, productId: number): Promise<number> {
  const p = productById(productId);
  if (!p) return 0;
  const book = market.book(p);
  const candidates = await db.query<{ id: string; account_id: string }>(
    `SELECT id, account_id FROM px_orders WHERE product_id = $1 AND state = 'open' AND
       ((side = 'buy' AND limit_price >= $2) OR (side = 'sell' AND limit_price <= $3)) ORDER BY id`,
    [productId, book.asks[0]!.price, book.bids[0]!.price],
  );
  let filled = 0;
  for (const c of candidates.rows) {
    await db.transaction(async (tx) => {
      await lockAccount(tx, c.account_id);
      const order = await orderById(tx, c.account_id, c.id);
      if (order?.state !== 'open') return;
      let size = order.unfilled_size;
      if (order.reduce_only) {
        const pos = await positionFor(tx, order.account_id, p.id);
        if (pos.size === 0 || Math.sign(pos.size) === signOf(order.side)) {
          await finishOrder(tx, order, [], 'no_position_for_reduce_only');
          return;
        }
        size = Math.min(size, Math.abs(pos.size));
      }
      const outcome = await applyFill(tx, order, p, num(order.limit_price), size, 'maker');
      const rest = size < order.unfilled_size ? 'reduce_only_clamped' : null;
      await finishOrder(tx, order, [outcome], rest);
      market.recordVolume(p.id, size);
      filled++;
    });
  }
  return filled;
}
