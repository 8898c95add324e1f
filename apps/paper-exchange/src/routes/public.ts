import type { App } from '@delta/server-kit';
import { z } from 'zod';
import { deltaError } from '../delta-errors.ts';
import { assetView, orderbookView, productView, tickerView } from '../engine/views.ts';
import type { PaperExchange } from '../exchange.ts';
import { ASSETS, PRODUCTS, productByRef, productBySymbol } from '../market/products.ts';
import { ok, parseInput } from '../v2-scope.ts';

const csv = z
  .string()
  .optional()
  .transform((v) => (v ? v.split(',').map((s) => s.trim()) : undefined));

const ZProductsQuery = z.looseObject({
  contract_types: csv,
  states: csv,
  page_size: z.coerce.number().int().min(1).max(1000).optional(),
});

function filterProducts(query: unknown) {
  const q = parseInput(ZProductsQuery, query);
  // Every listed product is a live perpetual: the filters either keep them all or none.
  const listed =
    (!q.contract_types || q.contract_types.includes('perpetual_futures')) &&
    (!q.states || q.states.includes('live'));
  return listed ? PRODUCTS.slice(0, q.page_size ?? 1000) : [];
}

/** Public market data: no key needed (rate-limited per IP). */
export function publicRoutes(app: App, px: PaperExchange) {
  app.get('/assets', async () => ok(ASSETS.map(assetView)));

  app.get('/products', async (request) => {
    const products = filterProducts(request.query);
    return ok(products.map(productView), {
      after: null,
      before: null,
      limit: products.length,
      total_count: products.length,
    });
  });

  app.get<{ Params: { product: string } }>('/products/:product', async (request) => {
    const p = productByRef(request.params.product);
    if (!p) throw deltaError(400, 'invalid_contract');
    return ok(productView(p));
  });

  app.get('/tickers', async (request) => {
    const products = filterProducts(request.query);
    return ok(products.map((p) => tickerView(p, px.market)));
  });

  // Delta answers an unknown ticker symbol with 200 and a null result.
  app.get<{ Params: { symbol: string } }>('/tickers/:symbol', async (request) => {
    const p = productBySymbol(request.params.symbol);
    return ok(p ? tickerView(p, px.market) : null);
  });

  app.get<{ Params: { symbol: string } }>('/l2orderbook/:symbol', async (request) => {
    const p = productByRef(request.params.symbol);
    if (!p) throw deltaError(400, 'invalid_contract');
    return ok(orderbookView(p, px.market));
  });
}
