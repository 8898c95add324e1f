import type { App } from '@delta/server-kit';
import { z } from 'zod';
import { badSchema, deltaError, orderError } from '../delta-errors.ts';
import type { FillRow, OrderRow } from '../engine/rows.ts';
import { cancelOrder, orderByClientId, orderById, placeOrder } from '../engine/trading.ts';
import { fillView, orderView } from '../engine/views.ts';
import type { PaperExchange } from '../exchange.ts';
import { productById, productBySymbol } from '../market/products.ts';
import { ok, parseInput, principalOf } from '../v2-scope.ts';

// Delta's swagger says string enums "true"/"false"; CCXT sends JSON booleans. Accept both.
const flag = z
  .union([z.boolean(), z.enum(['true', 'false'])])
  .optional()
  .transform((v) => v === true || v === 'true');
const decimal = z.union([z.number(), z.string().regex(/^-?\d+(\.\d+)?$/)]).transform(Number);

export const ZPlaceOrder = z.looseObject({
  product_id: z.coerce.number().int().positive().optional(),
  product_symbol: z.string().optional(),
  size: z.union([
    z.number().int().positive(),
    z
      .string()
      .regex(/^[1-9]\d*$/)
      .transform(Number),
  ]),
  side: z.enum(['buy', 'sell']),
  order_type: z.enum(['limit_order', 'market_order']).default('market_order'),
  limit_price: decimal.nullish(),
  time_in_force: z.enum(['gtc', 'ioc']).default('gtc'),
  post_only: flag,
  reduce_only: flag,
  client_order_id: z.string().min(1).max(32).nullish(),
});

const ZCancel = z.looseObject({
  id: z.union([z.number().int().positive(), z.string().regex(/^\d+$/)]).optional(),
  client_order_id: z.string().min(1).max(32).optional(),
  product_id: z.coerce.number().int().positive(),
});

const ZListQuery = z.looseObject({
  product_ids: z.string().optional(),
  product_id: z.coerce.number().int().optional(),
  states: z.string().optional(),
  page_size: z.coerce.number().int().min(1).max(500).default(100),
  after: z.string().regex(/^\d+$/).optional(),
});

function productFilter(q: z.infer<typeof ZListQuery>): number[] | null {
  if (q.product_ids) return q.product_ids.split(',').map(Number);
  return q.product_id ? [q.product_id] : null;
}

function page<T extends { id: string }>(rows: T[], size: number) {
  const more = rows.length > size;
  const items = rows.slice(0, size);
  return { items, meta: { after: more ? items[items.length - 1]!.id : null, before: null } };
}

/** Orders and fills: every route needs a key; placing and cancelling need the Trading permission. */
export function orderRoutes(app: App, px: PaperExchange) {
  const cols = `id, account_id, product_id, client_order_id, side, order_type, size, unfilled_size, limit_price,
    time_in_force, post_only, reduce_only, state, average_fill_price, paid_commission, leverage,
    cancellation_reason, created_at, updated_at`;

  app.post('/orders', { config: { deltaAuth: 'trade' } }, async (request) => {
    const who = principalOf(request);
    const b = parseInput(ZPlaceOrder, request.body);
    if ((b.product_id === undefined) === (b.product_symbol === undefined)) {
      throw badSchema([{ path: 'product_id', message: 'give exactly one of product_id and product_symbol' }]);
    }
    const product =
      b.product_id !== undefined ? productById(b.product_id) : productBySymbol(b.product_symbol!);
    if (!product) throw orderError('invalid_contract');
    let limitPrice: number | undefined;
    if (b.order_type === 'limit_order') {
      if (b.limit_price === undefined || b.limit_price === null || !(b.limit_price > 0)) {
        throw badSchema([{ path: 'limit_price', message: 'limit orders need a positive limit_price' }]);
      }
      const ticks = b.limit_price / product.tickSize;
      if (Math.abs(ticks - Math.round(ticks)) > 1e-9) throw orderError('invalid_limit_price');
      limitPrice = b.limit_price;
    }
    const order = await placeOrder(px.db, px.market, who.accountId, {
      product,
      size: b.size,
      side: b.side,
      orderType: b.order_type,
      limitPrice,
      timeInForce: b.time_in_force,
      postOnly: b.post_only,
      reduceOnly: b.reduce_only,
      clientOrderId: b.client_order_id ?? undefined,
      uniqueClientOrderId: px.uniqueClientOrderIds,
    });
    return ok(orderView(order));
  });

  app.delete('/orders', { config: { deltaAuth: 'trade' } }, async (request) => {
    const who = principalOf(request);
    const b = parseInput(ZCancel, request.body);
    if (b.id === undefined && b.client_order_id === undefined) {
      throw badSchema([{ path: 'id', message: 'give id or client_order_id' }]);
    }
    const order = await cancelOrder(px.db, who.accountId, {
      id: b.id === undefined ? undefined : String(b.id),
      clientOrderId: b.client_order_id,
    });
    return ok(orderView(order));
  });

  app.get('/orders', { config: { deltaAuth: 'read' } }, async (request) => {
    const who = principalOf(request);
    const q = parseInput(ZListQuery, request.query);
    const states = q.states ? q.states.split(',') : ['open', 'pending'];
    const r = await px.db.query<OrderRow>(
      `SELECT ${cols} FROM px_orders WHERE account_id = $1 AND state = ANY($2::text[])
       AND ($3::int[] IS NULL OR product_id = ANY($3::int[])) AND ($4::bigint IS NULL OR id < $4::bigint)
       ORDER BY id DESC LIMIT $5`,
      [who.accountId, states, productFilter(q), q.after ?? null, q.page_size + 1],
    );
    const { items, meta } = page(r.rows, q.page_size);
    return ok(items.map(orderView), meta);
  });

  app.get('/orders/history', { config: { deltaAuth: 'read' } }, async (request) => {
    const who = principalOf(request);
    const q = parseInput(ZListQuery, request.query);
    const r = await px.db.query<OrderRow>(
      `SELECT ${cols} FROM px_orders WHERE account_id = $1 AND state IN ('closed', 'cancelled')
       AND ($2::int[] IS NULL OR product_id = ANY($2::int[])) AND ($3::bigint IS NULL OR id < $3::bigint)
       ORDER BY id DESC LIMIT $4`,
      [who.accountId, productFilter(q), q.after ?? null, q.page_size + 1],
    );
    const { items, meta } = page(r.rows, q.page_size);
    return ok(items.map(orderView), meta);
  });

  app.get<{ Params: { client_oid: string } }>(
    '/orders/client_order_id/:client_oid',
    { config: { deltaAuth: 'read' } },
    async (request) => {
      const order = await orderByClientId(px.db, principalOf(request).accountId, request.params.client_oid);
      if (!order) throw deltaError(404, 'not_found');
      return ok(orderView(order));
    },
  );

  app.get<{ Params: { order_id: string } }>(
    '/orders/:order_id',
    { config: { deltaAuth: 'read' } },
    async (request) => {
      const id = request.params.order_id;
      const order = /^\d{1,18}$/.test(id)
        ? await orderById(px.db, principalOf(request).accountId, id)
        : undefined;
      if (!order) throw deltaError(404, 'not_found');
      return ok(orderView(order));
    },
  );

  app.get('/fills', { config: { deltaAuth: 'read' } }, async (request) => {
    const who = principalOf(request);
    const q = parseInput(ZListQuery, request.query);
    const r = await px.db.query<FillRow>(
      `SELECT f.id, f.order_id, f.account_id, f.product_id, f.side, f.size, f.price, f.role, f.commission,
         f.realized_pnl, f.created_at, o.client_order_id
       FROM px_fills f JOIN px_orders o ON o.id = f.order_id
       WHERE f.account_id = $1 AND ($2::int[] IS NULL OR f.product_id = ANY($2::int[]))
         AND ($3::bigint IS NULL OR f.id < $3::bigint)
       ORDER BY f.id DESC LIMIT $4`,
      [who.accountId, productFilter(q), q.after ?? null, q.page_size + 1],
    );
    const { items, meta } = page(r.rows, q.page_size);
    return ok(items.map(fillView), meta);
  });
}
