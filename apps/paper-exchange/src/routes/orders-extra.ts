import type { App } from '@delta/server-kit';
import { z } from 'zod';
import { badSchema, orderError } from '../delta-errors.ts';
import { attachBracket } from '../engine/brackets.ts';
import { editOrder } from '../engine/edit.ts';
import type { PaperExchange } from '../exchange.ts';
import { PRODUCTS } from '../market/products.ts';
import { ok, parseDeltaInput, principalOf } from '../v2-scope.ts';
import { flag, productOf, refuseTrailing, tickPrice, ZBracket, ZEditBracket } from './order-schemas.ts';

const ms = z.union([
  z.number().int().min(0).max(86_400_000),
  z
    .string()
    .regex(/^\d{1,8}$/)
    .transform(Number)
    .pipe(z.number().max(86_400_000)),
]);
const names = z.array(z.string().min(1).max(64)).max(20).optional();

const ZHeartbeatCreate = z.looseObject({
  heartbeat_id: z.string().regex(/^[\w.:-]{1,64}$/, 'letters, digits and _ . : - (at most 64)'),
  impact: z.enum(['contracts', 'products', 'low', 'medium', 'high']),
  contract_types: names,
  underlying_assets: names,
  product_symbols: names,
  config: z
    .array(
      z.looseObject({
        action: z.enum(['cancel_orders', 'spreads']),
        unhealthy_count: z.number().int().min(0).max(100),
        tag: z.string().max(64).optional(),
      }),
    )
    .min(1)
    .max(10),
});

const ZHeartbeatAck = z.looseObject({
  heartbeat_id: z.string().regex(/^[\w.:-]{1,64}$/),
  ttl: ms,
});

/**
 * Brackets on positions and entries, cancel-all, and the dead-man switch. Every route needs the Trading
 * permission except reading heartbeats.
 */
export function orderExtraRoutes(app: App, px: PaperExchange) {
  app.post('/orders/bracket', { config: { deltaAuth: 'trade' } }, async (request) => {
    const who = principalOf(request);
    const b = parseDeltaInput(ZBracket, request.body);
    const product = productOf(b);
    if (!b.stop_loss_order && !b.take_profit_order) {
      throw badSchema([
        { path: 'stop_loss_order', message: 'give stop_loss_order, take_profit_order or both' },
      ]);
    }
    const leg = (l: typeof b.stop_loss_order, name: string) => {
      if (!l) return undefined;
      refuseTrailing(l, 'trail_amount');
      const limitPrice = tickPrice(product, l.limit_price, 'limit_price');
      if (l.order_type === 'limit_order' && limitPrice === undefined) {
        throw badSchema([{ path: `${name}.limit_price`, message: 'a limit leg needs a limit_price' }]);
      }
      return { stopPrice: tickPrice(product, l.stop_price, 'stop_price')!, limitPrice };
    };
    await attachBracket(px, who.accountId, {
      product,
      stopLoss: leg(b.stop_loss_order, 'stop_loss_order'),
      takeProfit: leg(b.take_profit_order, 'take_profit_order'),
      trigger: b.bracket_stop_trigger_method ?? 'mark_price',
    });
    await px.react(product.id);
    return { success: true };
  });

  // The bracket prices an entry order carries (the legs of a position's bracket are not editable).
  app.put('/orders/bracket', { config: { deltaAuth: 'trade' } }, async (request) => {
    const who = principalOf(request);
    const b = parseDeltaInput(ZEditBracket, request.body);
    refuseTrailing(b, 'bracket_trail_amount');
    const product = productOf(b);
    await editOrder(px, who.accountId, {
      id: b.id,
      product,
      bracket: {
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
      },
    });
    return { success: true };
  });

  app.delete('/orders/all', { config: { deltaAuth: 'trade' } }, async (request) => {
    const who = principalOf(request);
    const b = parseDeltaInput(
      z.looseObject({
        product_id: z.coerce.number().int().positive().max(2_147_483_647).optional(),
        contract_types: z.string().max(200).optional(),
        cancel_limit_orders: flag,
        cancel_stop_orders: flag,
        cancel_reduce_only_orders: flag,
      }),
      request.body,
    );
    if (b.product_id !== undefined && !PRODUCTS.some((p) => p.id === b.product_id)) {
      throw orderError('invalid_contract');
    }
    const ids =
      b.product_id !== undefined
        ? [b.product_id]
        : !b.contract_types || b.contract_types.split(',').includes('perpetual_futures')
          ? PRODUCTS.map((p) => p.id)
          : [];
    await px.deadMan.cancelOrders(who.accountId, ids, 'cancelled_by_user');
    return { success: true };
  });

  app.post('/orders/cancel_after', { config: { deltaAuth: 'trade' } }, async (request) => {
    const who = principalOf(request);
    const b = parseDeltaInput(
      z.looseObject({ cancel_after: ms, user_id: z.unknown().optional() }),
      request.body,
    );
    return ok(await px.deadMan.cancelAfter(who.accountId, b.cancel_after));
  });

  app.post('/heartbeat/create', { config: { deltaAuth: 'trade' } }, async (request) => {
    const who = principalOf(request);
    const b = parseDeltaInput(ZHeartbeatCreate, request.body);
    return ok(await px.deadMan.create(who.accountId, b));
  });

  app.post('/heartbeat', { config: { deltaAuth: 'trade' } }, async (request) => {
    const who = principalOf(request);
    const b = parseDeltaInput(ZHeartbeatAck, request.body);
    return ok(await px.deadMan.ack(who.accountId, b.heartbeat_id, b.ttl));
  });

  app.get('/heartbeat', { config: { deltaAuth: 'read' } }, async (request) => {
    const who = principalOf(request);
    const q = parseDeltaInput(
      z.looseObject({ heartbeat_id: z.string().max(64).optional(), user_id: z.string().max(20).optional() }),
      request.query,
    );
    return ok(await px.deadMan.list(who.accountId, q.heartbeat_id));
  });
}
