import { type App, AppError } from '@delta/server-kit';
import { z } from 'zod';
import type { PaperExchange } from '../exchange.ts';
import { ZFaultSpec } from '../faults.ts';
import { dec, epochMicros } from '../format.ts';
import { fundingRatePct } from '../market/market-stats.ts';
import { PRODUCTS, productByRef } from '../market/products.ts';
import { ZSystemEvent } from '../stream/system-status.ts';

const ZNewKey = z.strictObject({
  api_key: z.string().min(8).max(64).optional(),
  api_secret: z.string().min(16).max(128).optional(),
  permissions: z
    .array(z.enum(['read', 'trade']))
    .min(1)
    .default(['read', 'trade']),
  balance: z
    .string()
    .regex(/^\d{1,15}(\.\d{1,8})?$/, 'a decimal amount of at most 15 digits and 8 decimals')
    .default('10000'),
});

/** Highest mark price the admin API sets (BTC trades around 1e5): beyond it a price is a typo, or an attack. */
export const MAX_MARK_PRICE = 1e9;

const price = z.union([
  z.number().positive().max(MAX_MARK_PRICE),
  z
    .string()
    .regex(/^\d{1,10}(\.\d{1,8})?$/, 'a decimal price of at most 10 digits and 8 decimals')
    .transform(Number)
    .pipe(z.number().positive().max(MAX_MARK_PRICE)),
]);
const productRef = z.union([z.string().min(1).max(32), z.number().int().min(0)]);

const ZMark = z.strictObject({
  product: productRef,
  // Positive, finite and bounded in both spellings: `"0"`, `"Infinity"` or a 400-digit string never reach the market.
  price,
  /** The spot index beside it (default: the mark less the current basis); sets the basis funding follows. */
  spot_price: price.optional(),
});

/** A scripted move: to a price, or by a percentage (`"-3%"`, `"+2.5%"`), over some seconds. */
const ZPath = z.strictObject({
  product: productRef,
  to: z.union([price, z.string().regex(/^[+-]?\d{1,2}(\.\d{1,4})?%$/, 'a price, or a change like "-3%"')]),
  over_s: z.number().min(0.05).max(86_400),
});

// At most 100 steps a request: each moves every product (stops, liquidations, records); 1,000 could outlast a
// client's timeout (the fuzz found one that did not answer in time).
const ZStep = z.strictObject({
  steps: z.number().int().min(1).max(100).default(1),
  dt_ms: z.number().int().min(1).max(3_600_000).optional(),
});

const ZFunding = z.strictObject({
  product: productRef.optional(),
  /** Percent per interval; default: the rate the basis implies. */
  rate: z
    .union([
      z.number(),
      z
        .string()
        .regex(/^-?\d{1,2}(\.\d{1,8})?$/)
        .transform(Number),
    ])
    .pipe(z.number().min(-10).max(10))
    .optional(),
});

const ZRateLimit = z.strictObject({
  units_per_window: z.number().int().min(1).max(1_000_000_000),
  window_ms: z.number().int().min(1).max(3_600_000),
});

/**
 * Test and paper-trading controls. Registered only when paper mode is on; problem+json errors like every
 * other non-Delta route.
 */
export function adminRoutes(app: App, px: PaperExchange) {
  app.post('/api-keys', { schema: { body: ZNewKey } }, async (request, reply) => {
    const b = request.body;
    const key = await px.createApiKey({
      apiKey: b.api_key,
      apiSecret: b.api_secret,
      permissions: b.permissions,
      balance: b.balance,
    });
    // The secret is returned once, to the operator who asked for it (paper keys only).
    return reply.code(201).send({
      api_key: key.apiKey,
      api_secret: key.apiSecret,
      user_id: key.userId,
      permissions: key.canTrade ? ['read', 'trade'] : ['read'],
    });
  });

  const productOrFail = (ref: string | number) => {
    const p = productByRef(String(ref));
    if (!p) throw AppError.badRequest('unknown_product', 'No such product.');
    return p;
  };
  const atLeastTick = (value: number, tick: number, path: string) => {
    // The market rounds to the tick: a price under one tick would become a mark of 0.
    if (value < tick)
      throw AppError.validation(
        [{ path, code: 'too_small', message: `At least one tick (${tick}).` }],
        'The price is below the product’s tick size.',
      );
  };

  app.post('/mark-price', { schema: { body: ZMark } }, async (request) => {
    const p = productOrFail(request.body.product);
    atLeastTick(request.body.price, p.tickSize, 'price');
    if (request.body.spot_price !== undefined) atLeastTick(request.body.spot_price, p.tickSize, 'spot_price');
    const mark = await px.setMarkPrice(p.id, request.body.price, request.body.spot_price);
    return {
      product_id: p.id,
      symbol: p.symbol,
      mark_price: String(mark),
      spot_price: String(px.market.spot(p.id)),
      // The tick's own time: the minute its candle counts it in.
      timestamp: epochMicros(new Date(px.market.movedAt(p.id))),
    };
  });

  app.post('/market/path', { schema: { body: ZPath } }, async (request, reply) => {
    const p = productOrFail(request.body.product);
    const to = request.body.to;
    const target =
      typeof to === 'number' ? to : px.market.mark(p.id) * (1 + Number(to.replace('%', '')) / 100);
    atLeastTick(target, p.tickSize, 'to');
    if (target > MAX_MARK_PRICE)
      throw AppError.validation([{ path: 'to', code: 'too_big', message: 'Beyond the largest mark price.' }]);
    return reply.code(202).send(px.paths.start(p.id, target, Math.round(request.body.over_s * 1000)));
  });

  // Random-walk steps on demand: a seeded market moves the same way for the same steps (tests, demos).
  app.post('/market/step', { schema: { body: ZStep } }, async (request) => {
    for (let i = 0; i < request.body.steps; i++) await px.market.step(request.body.dt_ms);
    return { marks: marketState() };
  });

  const marketState = () =>
    PRODUCTS.map((p) => ({
      product_id: p.id,
      symbol: p.symbol,
      mark_price: String(px.market.mark(p.id)),
      spot_price: String(px.market.spot(p.id)),
      funding_rate: dec(fundingRatePct(px.market, p), 8),
    }));
  app.get('/market', async () => ({
    products: marketState(),
    funding_interval_ms: px.fundingIntervalMs,
    next_funding_at: px.nextFundingAt(),
  }));

  // Maintenance and status events on the system_status channel (REST outages are injected with /faults).
  app.post('/system-status', { schema: { body: ZSystemEvent } }, async (request) =>
    px.systemStatus.apply(request.body),
  );
  app.get('/system-status', async () => px.systemStatus.message('snapshot'));

  app.post('/funding', { schema: { body: ZFunding } }, async (request) => {
    const p = request.body.product === undefined ? undefined : productOrFail(request.body.product);
    return { exchanged: await px.runFunding(p?.id, request.body.rate) };
  });

  app.post('/faults', { schema: { body: ZFaultSpec } }, async (request, reply) =>
    reply.code(201).send(px.injectFault(request.body)),
  );
  app.get('/faults', async () => ({ faults: px.faults.list() }));
  app.delete('/faults', async (_request, reply) => {
    px.clearFaults();
    return reply.code(204).send();
  });

  app.post('/rate-limit', { schema: { body: ZRateLimit } }, async (request) => {
    px.configureRateLimit({
      unitsPerWindow: request.body.units_per_window,
      windowMs: request.body.window_ms,
    });
    return request.body;
  });

  // Exchange behaviour that tests switch: whether a duplicate client_order_id is refused.
  app.put(
    '/settings',
    { schema: { body: z.strictObject({ unique_client_order_ids: z.boolean() }) } },
    async (request) => {
      px.uniqueClientOrderIds = request.body.unique_client_order_ids;
      return { unique_client_order_ids: px.uniqueClientOrderIds };
    },
  );
  app.get('/settings', async () => ({ unique_client_order_ids: px.uniqueClientOrderIds }));

  app.get(
    '/orders',
    {
      schema: {
        querystring: z.strictObject({
          client_order_id: z.string().min(1).max(64),
          user_id: z.coerce.number().int().min(0).max(2_147_483_647).optional(),
        }),
      },
    },
    async (request) => ({
      orders: await px.ordersByClientId(request.query.client_order_id, request.query.user_id),
    }),
  );
}
