import type { Queryable } from '@delta/server-kit';
import { type DeltaHttpError, orderError } from '../delta-errors.ts';
import { dec, num } from '../format.ts';
import { walkBook } from '../market/book.ts';
import { priceBand } from '../market/market-stats.ts';
import { type ProductSpec, productById, USD } from '../market/products.ts';
import { leverageMap, lockAccount, marginState } from './accounts.ts';
import { ensureBracket } from './brackets.ts';
import { type Engine, inTx } from './engine.ts';
import { applyFill, type EngineCtx, type FillOutcome, finishOrder, positionFor, signOf } from './fills.ts';
import { ORDER_COLUMNS, type OrderRow, type PositionRow, type TriggerMethod } from './rows.ts';

export interface StopSpec {
  type: 'stop_loss_order' | 'take_profit_order';
  price: number;
  trigger: TriggerMethod;
}

export interface BracketSpec {
  stopLossPrice?: number | undefined;
  stopLossLimitPrice?: number | undefined;
  takeProfitPrice?: number | undefined;
  takeProfitLimitPrice?: number | undefined;
  trigger: TriggerMethod;
}

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
  stop?: StopSpec | undefined;
  bracket?: BracketSpec | undefined;
  source?: 'api' | 'bracket';
  bracketGroup?: string | undefined;
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

/** The size a reduce-only order may have against this position, or undefined when it reduces nothing. */
export function reduceOnlySize(pos: PositionRow, side: 'buy' | 'sell', size: number): number | undefined {
  if (pos.size === 0 || Math.sign(pos.size) === signOf(side)) return undefined;
  return Math.min(size, Math.abs(pos.size)); // a reduce-only order never flips the position
}

const n = (v: number | undefined) => (v === undefined ? null : dec(v, 10));

async function insertOrder(
  tx: Queryable,
  accountId: string,
  req: OrderRequest,
  size: number,
  leverage: number,
) {
  const r = await tx.query<OrderRow>(
    `INSERT INTO px_orders (account_id, product_id, client_order_id, side, order_type, size, unfilled_size,
       limit_price, time_in_force, post_only, reduce_only, state, leverage, stop_order_type, stop_price,
       stop_trigger_method, bracket_stop_loss_price, bracket_stop_loss_limit_price, bracket_take_profit_price,
       bracket_take_profit_limit_price, bracket_stop_trigger_method, bracket_order, bracket_group, source)
     VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21,
       $22, $23) RETURNING ${ORDER_COLUMNS}`,
    [
      accountId,
      req.product.id,
      req.clientOrderId ?? null,
      req.side,
      req.orderType,
      size,
      n(req.limitPrice),
      req.timeInForce,
      req.postOnly,
      req.reduceOnly,
      req.stop ? 'pending' : 'open',
      leverage,
      req.stop?.type ?? null,
      n(req.stop?.price),
      req.stop?.trigger ?? null,
      n(req.bracket?.stopLossPrice),
      n(req.bracket?.stopLossLimitPrice),
      n(req.bracket?.takeProfitPrice),
      n(req.bracket?.takeProfitLimitPrice),
      req.bracket ? req.bracket.trigger : null,
      req.source === 'bracket',
      req.bracketGroup ?? null,
      req.source ?? 'api',
    ],
  );
  return r.rows[0]!;
}

const crosses = (side: 'buy' | 'sell', limit: number, best: { bid: number; ask: number }) =>
  side === 'buy' ? limit >= best.ask : limit <= best.bid;

/**
 * Runs an open order against the book: position limit, price band, post-only, margin, then the taker fills; the
 * rest rests (gtc limit) or is cancelled (ioc, market). A refusal is returned, not thrown, so that a stop order
 * that cannot execute when it triggers is cancelled rather than lost in a rollback.
 */
export async function executeOrder(
  tx: Queryable,
  ctx: EngineCtx,
  order: OrderRow,
  p: ProductSpec,
): Promise<{ order: OrderRow; filled: number } | { reject: DeltaHttpError }> {
  const account = await lockAccount(tx, order.account_id);
  const pos = await positionFor(tx, order.account_id, p.id);
  const size = order.unfilled_size;
  if (Math.abs(pos.size + signOf(order.side) * size) > p.positionSizeLimit && !order.reduce_only) {
    return { reject: orderError('risk_limits_breached', { position_size_limit: p.positionSizeLimit }) };
  }
  const book = ctx.market.book(p);
  const isLimit = order.order_type === 'limit_order';
  const limit = isLimit ? num(order.limit_price) : undefined;
  if (limit !== undefined) {
    // Delta's allowed band: a buy may not be priced above its top, a sell not below its bottom.
    const band = priceBand(ctx.market, p);
    if ((order.side === 'buy' && limit > band.upper) || (order.side === 'sell' && limit < band.lower)) {
      return {
        reject: orderError('out_of_price_band', {
          limit_price: dec(limit),
          lower_limit: dec(band.lower),
          upper_limit: dec(band.upper),
        }),
      };
    }
    const best = { bid: book.bids[0]!.price, ask: book.asks[0]!.price };
    if (order.post_only && crosses(order.side, limit, best)) {
      return { reject: orderError('immediate_execution_post_only') };
    }
  }
  const fills = walkBook(book, order.side, size, limit);
  const takerQty = fills.reduce((a, f) => a + f.size, 0);
  const takerNotional = fills.reduce((a, f) => a + f.size * f.price, 0);
  const restingQty = isLimit && order.time_in_force === 'gtc' ? size - takerQty : 0;

  if (!order.reduce_only) {
    const leverage = num(order.leverage);
    const opposite = Math.sign(pos.size) === -signOf(order.side) ? Math.abs(pos.size) : 0;
    const openingTaker = Math.max(0, takerQty - opposite);
    const openingResting = Math.max(0, restingQty - Math.max(0, opposite - takerQty));
    const avgTaker = takerQty > 0 ? takerNotional / takerQty : 0;
    const required =
      (openingTaker * p.contractValue * avgTaker + openingResting * p.contractValue * (limit ?? 0)) /
        leverage +
      takerNotional * p.contractValue * p.takerRate;
    const state = await marginState(tx, account, order.id);
    if (required > state.available + 1e-9) {
      return {
        reject: orderError('insufficient_margin', {
          asset_symbol: USD.symbol,
          available_balance: dec(Math.max(0, state.available)),
          required_additional_balance: dec(required - Math.max(0, state.available)),
        }),
      };
    }
  }
  const outcomes: FillOutcome[] = [];
  for (const f of fills)
    outcomes.push(await applyFill(tx, ctx, order, p, f.price, f.size, { role: 'taker' }));
  const cancelRest = !isLimit ? 'no_liquidity' : order.time_in_force === 'ioc' ? 'ioc_unfilled' : null;
  return { order: await finishOrder(tx, order, outcomes, cancelRest), filled: takerQty };
}

/** Places one order atomically for its account: checks, insert, immediate fills, resting or pending remainder. */
export function placeOrder(e: Engine, accountId: string, req: OrderRequest): Promise<OrderRow> {
  return inTx(e, async (tx, ctx) => {
    await lockAccount(tx, accountId);
    const p = req.product;
    if (
      req.uniqueClientOrderId &&
      req.clientOrderId !== undefined &&
      (await orderByClientId(tx, accountId, req.clientOrderId))
    ) {
      throw orderError('duplicate_client_order_id', { client_order_id: req.clientOrderId });
    }
    let size = req.size;
    if (req.reduceOnly && !req.stop) {
      const pos = await positionFor(tx, accountId, p.id);
      const clamped = reduceOnlySize(pos, req.side, size);
      if (clamped === undefined) {
        throw orderError('no_position_for_reduce_only', { product_id: p.id, position_size: pos.size });
      }
      size = clamped;
    }
    const leverage = (await leverageMap(tx, accountId)).get(p.id) ?? p.defaultLeverage;
    const row = await insertOrder(tx, accountId, req, size, leverage);
    ctx.fx.order(row, 'create');
    // A stop order waits, untriggered, blocking no margin (Delta blocks it when the stop triggers).
    if (req.stop) return row;
    const r = await executeOrder(tx, ctx, row, p);
    if ('reject' in r) throw r.reject;
    if (r.filled > 0 || r.order.state !== 'open') ctx.fx.changed(r.order, r.filled > 0 ? 'fill' : null);
    if (r.filled > 0) await ensureBracket(tx, ctx, r.order);
    return r.order;
  });
}

export function cancelOrder(
  e: Engine,
  accountId: string,
  ref: { id?: string | undefined; clientOrderId?: string | undefined },
): Promise<OrderRow> {
  return inTx(e, async (tx, ctx) => {
    await lockAccount(tx, accountId);
    const order =
      ref.id !== undefined
        ? await orderById(tx, accountId, ref.id)
        : await orderByClientId(tx, accountId, ref.clientOrderId ?? '');
    if (order?.state !== 'open' && order?.state !== 'pending') throw orderError('open_order_not_found');
    const cancelled = await cancelRow(tx, order.id, 'cancelled_by_user');
    ctx.fx.changed(cancelled, order.state === 'pending' ? 'stop_cancel' : null);
    return cancelled;
  });
}

export async function cancelRow(tx: Queryable, id: string, reason: string): Promise<OrderRow> {
  const r = await tx.query<OrderRow>(
    `UPDATE px_orders SET state = 'cancelled', cancellation_reason = $2, updated_at = clock_timestamp()
     WHERE id = $1 RETURNING ${ORDER_COLUMNS}`,
    [id, reason],
  );
  return r.rows[0]!;
}

/** After the mark moves: resting limit orders now crossed by the synthetic book fill in full, as maker. */
export async function matchResting(e: Engine, productId: number): Promise<number> {
  const p = productById(productId);
  if (!p) return 0;
  const book = e.market.book(p);
  const candidates = await e.db.query<{ id: string; account_id: string }>(
    `SELECT id, account_id FROM px_orders WHERE product_id = $1 AND state = 'open' AND
       ((side = 'buy' AND limit_price >= $2) OR (side = 'sell' AND limit_price <= $3)) ORDER BY id`,
    [productId, book.asks[0]!.price, book.bids[0]!.price],
  );
  let filled = 0;
  for (const c of candidates.rows) {
    await inTx(e, async (tx, ctx) => {
      await lockAccount(tx, c.account_id);
      const order = await orderById(tx, c.account_id, c.id);
      if (order?.state !== 'open') return;
      let size = order.unfilled_size;
      if (order.reduce_only) {
        const clamped = reduceOnlySize(await positionFor(tx, order.account_id, p.id), order.side, size);
        if (clamped === undefined) {
          ctx.fx.changed(await finishOrder(tx, order, [], 'no_position_for_reduce_only'), null);
          return;
        }
        size = clamped;
      }
      const outcome = await applyFill(tx, ctx, order, p, num(order.limit_price), size, { role: 'maker' });
      const rest = size < order.unfilled_size ? 'reduce_only_clamped' : null;
      const done = await finishOrder(tx, order, [outcome], rest);
      ctx.fx.changed(done, 'fill');
      await ensureBracket(tx, ctx, done);
      filled++;
    });
  }
  return filled;
}
