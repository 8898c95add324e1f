import type { App } from '@delta/server-kit';
import { z } from 'zod';
import { badSchema, deltaError } from '../delta-errors.ts';
import {
  assetView,
  candleView,
  orderbookView,
  priceNumber,
  productView,
  tickerView,
} from '../engine/market-views.ts';
import type { PaperExchange } from '../exchange.ts';
import { epochMicros } from '../format.ts';
import { BOOK_LEVELS, DEFAULT_BOOK_DEPTH } from '../market/book.ts';
import { REST_RESOLUTIONS } from '../market/candles.ts';
import { candles } from '../market/market-stats.ts';
import type { SeriesName } from '../market/minute-series.ts';
import {
  ASSETS,
  PRODUCTS,
  type ProductSpec,
  productByRef,
  productBySpotIndex,
  productBySymbol,
} from '../market/products.ts';
import { ok, parseDeltaInput } from '../v2-scope.ts';

const csv = z
  .string()
  .max(400)
  .optional()
  .transform((v) => (v ? v.split(',').map((s) => s.trim()) : undefined));

const ZProductsQuery = z.looseObject({
  contract_types: csv,
  states: csv,
  underlying_asset_symbols: csv,
  page_size: z.coerce.number().int().min(1).max(1000).optional(),
});

function filterProducts(query: unknown) {
  const q = parseDeltaInput(ZProductsQuery, query);
  // Every listed product is a live perpetual: the filters either keep them all or none.
  const listed =
    (!q.contract_types || q.contract_types.includes('perpetual_futures')) &&
    (!q.states || q.states.includes('live'));
  const products = listed ? PRODUCTS : [];
  const under = q.underlying_asset_symbols;
  return products.filter((p) => !under || under.includes(p.underlying)).slice(0, q.page_size ?? 1000);
}

const seconds = z.coerce.number().int().min(0).max(10_000_000_000);
const ZCandlesQuery = z.looseObject({
  resolution: z.string().max(8),
  symbol: z.string().min(1).max(64),
  start: seconds,
  end: seconds,
});

/** `BTCUSD` (traded price), `MARK:BTCUSD` (mark price) or the spot index (`.DEXBTUSD`). */
function candleSymbol(symbol: string): { product: ProductSpec; series: SeriesName } | undefined {
  if (symbol.startsWith('MARK:')) {
    const product = productBySymbol(symbol.slice(5));
    return product && { product, series: 'mark' };
  }
  const index = productBySpotIndex(symbol);
  if (index) return { product: index, series: 'spot' };
  const product = productBySymbol(symbol);
  return product && { product, series: 'trade' };
}

/** Open interest per product: the long side of every position (each long has a short across it). */
async function openInterest(px: PaperExchange): Promise<Map<number, number>> {
  const r = await px.db.query<{ product_id: number; oi: string }>(
    'SELECT product_id, sum(size) AS oi FROM px_positions WHERE size > 0 GROUP BY product_id',
  );
  return new Map(r.rows.map((row) => [Number(row.product_id), Number(row.oi)]));
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
    const oi = await openInterest(px);
    return ok(products.map((p) => tickerView(p, px.market, oi.get(p.id) ?? 0)));
  });

  // Delta answers an unknown ticker symbol with 200 and a null result; up to 10 comma-separated symbols.
  app.get<{ Params: { symbol: string } }>('/tickers/:symbol', async (request) => {
    const symbols = request.params.symbol.split(',');
    if (symbols.length > 10) throw badSchema([{ path: 'symbol', message: 'at most 10 symbols' }]);
    const oi = await openInterest(px);
    const view = (s: string) => {
      const p = productBySymbol(s.trim());
      return p ? tickerView(p, px.market, oi.get(p.id) ?? 0) : null;
    };
    return ok(symbols.length === 1 ? view(symbols[0]!) : symbols.map(view).filter((t) => t !== null));
  });

  app.get<{ Params: { symbol: string } }>('/l2orderbook/:symbol', async (request) => {
    const p = productByRef(request.params.symbol);
    if (!p) throw deltaError(400, 'invalid_contract');
    const q = parseDeltaInput(
      z.looseObject({ depth: z.coerce.number().int().min(1).max(1_000_000).optional() }),
      request.query,
    );
    return ok(orderbookView(p, px.market, Math.min(q.depth ?? DEFAULT_BOOK_DEPTH, BOOK_LEVELS)));
  });

  app.get<{ Params: { symbol: string } }>('/trades/:symbol', async (request) => {
    const p = productBySymbol(request.params.symbol);
    if (!p) throw deltaError(400, 'invalid_contract');
    const trades = [...px.market.recentTrades(p.id)].reverse().map((t) => ({
      side: t.side,
      size: t.size,
      price: String(priceNumber(p, t.price)),
      timestamp: epochMicros(new Date(t.time)),
    }));
    return ok({ trades });
  });

  app.get('/history/candles', async (request) => {
    const q = parseDeltaInput(ZCandlesQuery, request.query);
    const resSec = REST_RESOLUTIONS[q.resolution];
    if (!resSec) {
      throw badSchema([
        { path: 'resolution', message: `one of ${Object.keys(REST_RESOLUTIONS).join(', ')}` },
      ]);
    }
    if (q.start > q.end) throw badSchema([{ path: 'start', message: 'start must not be after end' }]);
    if (/^(FUNDING|OI):/.test(q.symbol)) {
      throw badSchema([{ path: 'symbol', message: 'FUNDING: and OI: histories are not simulated' }]);
    }
    const target = candleSymbol(q.symbol);
    if (!target) throw deltaError(400, 'invalid_contract');
    const list = candles(px.market, target.product, {
      series: target.series,
      fromSec: q.start,
      toSec: q.end,
      resSec,
    });
    return ok(list.map((c) => candleView(target.product, c)));
  });
}
