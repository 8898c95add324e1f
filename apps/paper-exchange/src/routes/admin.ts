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
    .regex(/^\d+(\.\d+)?$/)
    .default('10000'),
});

const ZMark = z.strictObject({
  product: z.union([z.string(), z.number().int()]),
  price: z.union([
    z.number().positive(),
    z
      .string()
      .regex(/^\d+(\.\d+)?$/)
      .transform(Number),
  ]),
});

const ZRateLimit = z.strictObject({
  units_per_window: z.number().int().min(1),
  window_ms: z.number().int().min(1),
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
    if (!p) throw AppError.badRequest('unknown_product', `No product ${request.body.product}.`);
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

  app.get(
    '/orders',
    {
      schema: {
        querystring: z.strictObject({
          client_order_id: z.string().min(1),
          user_id: z.coerce.number().int().optional(),
        }),
      },
    },
    async (request) => ({
      orders: await px.ordersByClientId(request.query.client_order_id, request.query.user_id),
    }),
  );
}
