import type { App } from '@delta/server-kit';
import { badSchema, deltaError } from '../delta-errors.ts';
import { editOrder } from '../engine/edit.ts';
import { FILL_COLUMNS, type FillRow, ORDER_COLUMNS, type OrderRow } from '../engine/rows.ts';
import { cancelOrder, orderByClientId, orderById, placeOrder } from '../engine/trading.ts';
import { fillView, orderView } from '../engine/views.ts';
import type { PaperExchange } from '../exchange.ts';
import { ok, parseDeltaInput, principalOf } from '../v2-scope.ts';
import { productOf, refuseTrailing, tickPrice, ZCancel, ZEditOrder, ZPlaceOrder } from './order-schemas.ts';
import { pageWindow, productIds, toPage, windowSql, ZHistoryQuery } from './pagination.ts';

const ORDER_TYPES: Record<string, string> = {
  market: "order_type = 'market_order' AND stop_order_type IS NULL",
  limit: "order_type = 'limit_order' AND stop_order_type IS NULL",
  stop_market: "order_type = 'market_order' AND stop_order_type IS NOT NULL",
  stop_limit: "order_type = 'limit_order' AND stop_order_type IS NOT NULL",
  all_stop: 'stop_order_type IS NOT NULL',
};

/** `order_types=market,stop_limit` as SQL (fixed fragments only; unknown names are refused). */
function orderTypesSql(value: string | undefined): string {
  if (!value) return 'true';
  const parts = value.split(',').map((s) => s.trim());
  const unknown = parts.filter((s) => !(s in ORDER_TYPES));
  if (unknown.length) throw badSchema([{ path: 'order_types', message: `unknown order types: ${unknown}` }]);
  return `(${parts.map((s) => ORDER_TYPES[s]).join(' OR ')})`;
}

function contractTypesOk(value: string | undefined): boolean {
  return !value || value.split(',').some((s) => s.trim() === 'perpetual_futures');
}

/** Orders and fills: every route needs a key; placing, editing and cancelling need the Trading permission. */
export function orderRoutes(app: App, px: PaperExchange) {
  app.post('/orders', { config: { deltaAuth: 'trade' } }, async (request) => {
    const who = principalOf(request);
    const b = parseDeltaInput(ZPlaceOrder, request.body);
    refuseTrailing(b, 'trail_amount', 'bracket_trail_amount');
    const product = productOf(b);
    const limitPrice = tickPrice(product, b.limit_price, 'limit_price');
    if (b.order_type === 'limit_order' && limitPrice === undefined) {
      throw badSchema([{ path: 'limit_price', message: 'limit orders need a positive limit_price' }]);
    }
    const stopPrice = tickPrice(product, b.stop_price, 'stop_price');
    if ((b.stop_order_type == null) !== (stopPrice === undefined)) {
      throw badSchema([
        { path: 'stop_price', message: 'a stop order needs both stop_order_type and stop_price' },
      ]);
    }
    const bracket = {
      stopLossPrice: tickPrice(product, b.bracket_stop_loss_price, 'bracket_stop_loss_price'),
      stopLossLimitPrice: tickPrice(
        product,
        b.bracket_stop_loss_limit_price,
        'bracket_stop_loss_limit_price',
      ),
      takeProfitPrice: tickPrice(product, b.bracket_take_profit_price, 'bracket_take_profit_price'),
      takeProfitLimitPrice: tickPrice(
        product,
        b.bracket_take_profit_limit_price,
        'bracket_take_profit_limit_price',
      ),
      trigger: b.bracket_stop_trigger_method ?? 'mark_price',
    };
    const hasBracket = bracket.stopLossPrice !== undefined || bracket.takeProfitPrice !== undefined;
    if (b.cancel_orders_accepted) {
      // Delta: "if set, will cancel all existing orders for the product" (never implied by anything else).
      const open = await px.db.query<{ id: string }>(
        `SELECT id FROM px_orders WHERE account_id = $1 AND product_id = $2 AND state IN ('open', 'pending')`,
        [who.accountId, product.id],
      );
      for (const o of open.rows) await cancelOrder(px, who.accountId, { id: o.id }).catch(() => undefined);
    }
    const order = await placeOrder(px, who.accountId, {
      product,
      size: b.size,
      side: b.side,
      orderType: b.order_type,
      limitPrice,
      timeInForce: b.time_in_force,
      postOnly: b.post_only ?? false,
      reduceOnly: b.reduce_only ?? false,
      clientOrderId: b.client_order_id ?? undefined,
      uniqueClientOrderId: px.uniqueClientOrderIds,
      stop:
        b.stop_order_type && stopPrice !== undefined
          ? { type: b.stop_order_type, price: stopPrice, trigger: b.stop_trigger_method ?? 'mark_price' }
          : undefined,
      bracket: hasBracket ? bracket : undefined,
    });
    // A stop placed beyond its trigger fires at once, not at the next move.
    if (order.state === 'pending') await px.react(product.id);
    const latest = order.state === 'pending' ? await orderById(px.db, who.accountId, order.id) : order;
    return ok(orderView(latest ?? order));
  });

  app.put('/orders', { config: { deltaAuth: 'trade' } }, async (request) => {
    const who = principalOf(request);
    const b = parseDeltaInput(ZEditOrder, request.body);
    refuseTrailing(b, 'trail_amount');
    const product = productOf(b);
    const order = await editOrder(px, who.accountId, {
      id: b.id,
      product,
      limitPrice: tickPrice(product, b.limit_price, 'limit_price'),
      size: b.size,
      stopPrice: tickPrice(product, b.stop_price, 'stop_price'),
      postOnly: b.post_only,
    });
    if (order.state === 'pending') await px.react(product.id);
    return ok(orderView((await orderById(px.db, who.accountId, order.id)) ?? order));
  });

  app.delete('/orders', { config: { deltaAuth: 'trade' } }, async (request) => {
    const who = principalOf(request);
    const b = parseDeltaInput(ZCancel, request.body);
    if (b.id === undefined && b.client_order_id === undefined) {
      throw badSchema([{ path: 'id', message: 'give id or client_order_id' }]);
    }
    const order = await cancelOrder(px, who.accountId, {
      id: b.id === undefined ? undefined : String(b.id),
      clientOrderId: b.client_order_id,
    });
    return ok(orderView(order));
  });

  // Active orders (open and pending): a short list, so the page may hold up to 500 as before.
  app.get('/orders', { config: { deltaAuth: 'read' } }, async (request) => {
    const who = principalOf(request);
    const q = parseDeltaInput(
      ZHistoryQuery.extend({ states: ZHistoryQuery.shape.contract_types }),
      request.query,
    );
    const states = q.states ? q.states.split(',').map((s) => s.trim()) : ['open', 'pending'];
    const w = pageWindow(
      { ...q, start_time: q.start_time ?? 0, page_size: q.page_size ?? 100 },
      Date.now(),
      500,
    );
    const s = windowSql(w, 'id', 'created_at', 4);
    const r = contractTypesOk(q.contract_types)
      ? await px.db.query<OrderRow>(
          `SELECT ${ORDER_COLUMNS} FROM px_orders WHERE account_id = $1 AND state = ANY($2::text[])
             AND ($3::int[] IS NULL OR product_id = ANY($3::int[])) AND ${orderTypesSql(q.order_types)}
             AND ${s.where} ORDER BY ${s.order} LIMIT ${s.limit}`,
          [who.accountId, states, productIds(q), ...s.params],
        )
      : { rows: [] };
    const { items, meta } = toPage(r.rows, w);
    return ok(items.map(orderView), meta);
  });

  app.get('/orders/history', { config: { deltaAuth: 'read' } }, async (request) => {
    const who = principalOf(request);
    const q = parseDeltaInput(ZHistoryQuery, request.query);
    const w = pageWindow(q);
    const s = windowSql(w, 'id', 'created_at', 3);
    const r = contractTypesOk(q.contract_types)
      ? await px.db.query<OrderRow>(
          `SELECT ${ORDER_COLUMNS} FROM px_orders WHERE account_id = $1 AND state IN ('closed', 'cancelled')
             AND ($2::int[] IS NULL OR product_id = ANY($2::int[])) AND ${orderTypesSql(q.order_types)}
             AND ${s.where} ORDER BY ${s.order} LIMIT ${s.limit}`,
          [who.accountId, productIds(q), ...s.params],
        )
      : { rows: [] };
    const { items, meta } = toPage(r.rows, w);
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
    const q = parseDeltaInput(ZHistoryQuery, request.query);
    const w = pageWindow(q);
    const s = windowSql(w, 'f.id', 'f.created_at', 3);
    const r = contractTypesOk(q.contract_types)
      ? await px.db.query<FillRow>(
          `SELECT ${FILL_COLUMNS} FROM px_fills f JOIN px_orders o ON o.id = f.order_id
           WHERE f.account_id = $1 AND ($2::int[] IS NULL OR f.product_id = ANY($2::int[])) AND ${s.where}
           ORDER BY ${s.order} LIMIT ${s.limit}`,
          [who.accountId, productIds(q), ...s.params],
        )
      : { rows: [] };
    const { items, meta } = toPage(r.rows, w);
    return ok(items.map(fillView), meta);
  });
}
