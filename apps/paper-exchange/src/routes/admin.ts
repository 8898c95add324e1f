import { type App, AppError } from '@delta/server-kit';
import { z } from 'zod';
import type { PaperExchange } from '../exchange.ts';
import { ZFaultSpec } from '../faults.ts';
import { productByRef } from '../market/products.ts';

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

const ZMark = z.strictObject({
  product: z.union([z.string().min(1).max(32), z.number().int().min(0)]),
  // Positive, finite and bounded in both spellings: `"0"`, `"Infinity"` or a 400-digit string never reach the market.
  price: z.union([
    z.number().positive().max(MAX_MARK_PRICE),
    z
      .string()
      .regex(/^\d{1,10}(\.\d{1,8})?$/, 'a decimal price of at most 10 digits and 8 decimals')
      .transform(Number)
      .pipe(z.number().positive().max(MAX_MARK_PRICE)),
  ]),
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

  app.post('/mark-price', { schema: { body: ZMark } }, async (request) => {
    const p = productByRef(String(request.body.product));
    if (!p) throw AppError.badRequest('unknown_product', 'No such product.');
    // The market rounds to the tick: a price under one tick would become a mark of 0.
    if (request.body.price < p.tickSize)
      throw AppError.validation(
        [{ path: 'price', code: 'too_small', message: `At least one tick (${p.tickSize}).` }],
        'The mark price is below the product’s tick size.',
      );
    const mark = await px.setMarkPrice(p.id, request.body.price);
    return { product_id: p.id, symbol: p.symbol, mark_price: String(mark) };
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
