import { createTestDatabase, type TestDatabase } from '@delta/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningPaperExchange, startPaperExchange } from '../src/index.ts';
import { admin, eventually, publicGet, rawCall } from './http.ts';

let testDb: TestDatabase;
let px: RunningPaperExchange;

beforeAll(async () => {
  testDb = await createTestDatabase();
  px = await startPaperExchange({ db: testDb.db });
});
afterAll(async () => {
  await px?.close();
  await testDb?.drop();
});

const BAD_SCHEMA = { success: false, error: { code: 'bad_schema' } };
const nowSec = () => Math.floor(Date.now() / 1000);

describe('GET /v2/tickers', () => {
  it('carries mark, spot, funding, 24 h statistics, the price band and quotes, in Delta’s types', async () => {
    await px.setMarkPrice('BTCUSD', 60_000, 59_990);
    const r = await publicGet<Record<string, unknown>>(px.url, '/v2/tickers/BTCUSD');
    expect(r.status).toBe(200);
    const t = r.body.result;
    expect(t).toMatchObject({
      symbol: 'BTCUSD',
      product_id: 27,
      contract_type: 'perpetual_futures',
      mark_price: '60000',
      spot_price: '59990',
      turnover_symbol: 'USD',
      price_band: { lower_limit: expect.any(String), upper_limit: expect.any(String) },
      quotes: { best_bid: expect.any(String), best_ask: expect.any(String) },
    });
    for (const k of ['open', 'high', 'low', 'close', 'volume', 'turnover_usd', 'timestamp']) {
      expect(typeof t[k], k).toBe('number');
    }
    for (const k of ['funding_rate', 'mark_change_24h', 'oi']) expect(t[k], k).toMatch(/^-?\d+(\.\d+)?$/);
    expect(Number(t.high)).toBeGreaterThanOrEqual(Number(t.low));
    // A 1.7 bp premium: funding = premium + clamp(0.01 % − premium, ±0.05 %) = the 0.01 % interest rate.
    expect(Number(t.funding_rate)).toBeCloseTo(0.01, 6);
    const band = t.price_band as { lower_limit: string; upper_limit: string };
    expect(Number(band.upper_limit)).toBeGreaterThanOrEqual(61_500);
    expect(Number(band.lower_limit)).toBeLessThanOrEqual(58_500);
  });

  it('lists every product, takes up to 10 comma-separated symbols, and answers null for an unknown one', async () => {
    const all = await publicGet<{ symbol: string }[]>(px.url, '/v2/tickers');
    expect(all.body.result.map((t) => t.symbol).sort()).toEqual(['BTCUSD', 'ETHUSD']);
    const two = await publicGet<{ symbol: string }[]>(px.url, '/v2/tickers/BTCUSD,ETHUSD');
    expect(two.body.result.map((t) => t.symbol)).toEqual(['BTCUSD', 'ETHUSD']);
    const many = await publicGet(px.url, `/v2/tickers/${Array(11).fill('BTCUSD').join(',')}`);
    expect(many.status).toBe(400);
    expect(many.body).toMatchObject(BAD_SCHEMA);
    expect((await publicGet(px.url, '/v2/tickers/NOPE')).body).toEqual({ success: true, result: null });
  });
});

describe('GET /v2/l2orderbook/{symbol}', () => {
  it('serves `depth` levels a side around the mark, with cumulative depth', async () => {
    await px.setMarkPrice('ETHUSD', 3_000);
    type Level = { price: string; size: number; depth: string };
    const r = await publicGet<{ buy: Level[]; sell: Level[]; symbol: string; last_updated_at: number }>(
      px.url,
      '/v2/l2orderbook/ETHUSD',
      '?depth=5',
    );
    expect(r.status).toBe(200);
    const book = r.body.result;
    expect(book.symbol).toBe('ETHUSD');
    expect(book.buy).toHaveLength(5);
    expect(book.sell).toHaveLength(5);
    expect(Number(book.buy[0]!.price)).toBeLessThan(3_000);
    expect(Number(book.sell[0]!.price)).toBeGreaterThan(3_000);
    let sum = 0;
    for (const l of book.sell) {
      sum += l.size;
      expect(l.depth).toBe(String(sum));
    }
    const full = await publicGet<{ buy: Level[] }>(px.url, '/v2/l2orderbook/ETHUSD');
    expect(full.body.result.buy).toHaveLength(20);
    for (const q of ['?depth=0', '?depth=x', '?depth=-1']) {
      const bad = await publicGet(px.url, '/v2/l2orderbook/ETHUSD', q);
      expect(bad.status, q).toBe(400);
      expect(bad.body).toMatchObject(BAD_SCHEMA);
    }
  });
});

describe('GET /v2/history/candles', () => {
  it('serves 30 days back, for the traded price, the mark (MARK:) and the spot index', async () => {
    const end = nowSec();
    for (const symbol of ['BTCUSD', 'MARK:BTCUSD', '.DEXBTUSD', 'MARK:ETHUSD']) {
      const r = await publicGet<{ time: number; open: number; volume: number }[]>(
        px.url,
        '/v2/history/candles',
        `?resolution=1d&symbol=${encodeURIComponent(symbol)}&start=${end - 30 * 86_400}&end=${end}`,
      );
      expect(r.status, symbol).toBe(200);
      expect(r.body.result.length, symbol).toBeGreaterThanOrEqual(30);
      expect(Object.keys(r.body.result[0]!).sort()).toEqual([
        'close',
        'high',
        'low',
        'open',
        'time',
        'volume',
      ]);
      const times = r.body.result.map((c) => c.time);
      expect([...times].sort((x, y) => x - y)).toEqual(times); // oldest first
    }
  });

  it('answers at most 2000 candles, the most recent of the range', async () => {
    const end = nowSec();
    const r = await publicGet<{ time: number }[]>(
      px.url,
      '/v2/history/candles',
      `?resolution=1m&symbol=BTCUSD&start=${end - 5 * 86_400}&end=${end}`,
    );
    expect(r.body.result).toHaveLength(2000);
    expect(r.body.result.at(-1)!.time).toBeGreaterThan(end - 120);
  });

  it('refuses what Delta refuses, in Delta’s shape', async () => {
    const end = nowSec();
    const q = (x: string) => publicGet(px.url, '/v2/history/candles', x);
    for (const bad of [
      `?resolution=7d&symbol=BTCUSD&start=${end - 86_400}&end=${end}`,
      `?resolution=30d&symbol=BTCUSD&start=${end - 86_400}&end=${end}`,
      `?symbol=BTCUSD&start=${end - 86_400}&end=${end}`,
      `?resolution=1m&start=${end - 86_400}&end=${end}`,
      `?resolution=1m&symbol=BTCUSD&start=abc&end=${end}`,
      `?resolution=1m&symbol=BTCUSD&start=${end}&end=${end - 60}`,
      `?resolution=1m&symbol=FUNDING:BTCUSD&start=${end - 600}&end=${end}`,
    ]) {
      const r = await q(bad);
      expect(r.status, bad).toBe(400);
      expect(r.body, bad).toMatchObject(BAD_SCHEMA);
    }
    for (const unknown of ['NOPE', 'MARK:NOPE']) {
      const r = await q(`?resolution=1m&symbol=${unknown}&start=${end - 600}&end=${end}`);
      expect(r.status).toBe(400);
      expect(r.body).toEqual({ success: false, error: { code: 'invalid_contract' } });
    }
  });

  it('costs 3 units of the rate limit, like the other market-data reads', async () => {
    px.exchange.configureRateLimit({ unitsPerWindow: 7, windowMs: 60_000 });
    try {
      const end = nowSec();
      const path = `?resolution=5m&symbol=BTCUSD&start=${end - 3_600}&end=${end}`;
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await rawCall(px.url, undefined, {
          method: 'GET',
          path: '/v2/history/candles',
          query: path,
        });
        statuses.push(r.status);
        if (r.status === 429) expect(Number(r.headers.get('x-rate-limit-reset'))).toBeGreaterThan(0);
      }
      expect(statuses).toEqual([200, 200, 429]);
    } finally {
      px.exchange.configureRateLimit({ unitsPerWindow: 10_000, windowMs: 300_000 });
    }
  });
});

describe('GET /v2/trades/{symbol}', () => {
  it('shows the tape: each move prints a trade where the book was hit', async () => {
    await px.setMarkPrice('BTCUSD', 61_000);
    const r = await publicGet<{ trades: { side: string; size: number; price: string; timestamp: number }[] }>(
      px.url,
      '/v2/trades/BTCUSD',
    );
    const last = r.body.result.trades[0]!;
    expect(last.side).toBe('buy');
    expect(Number(last.price)).toBeGreaterThan(61_000);
    expect(last.timestamp).toBeGreaterThan(Date.now() * 1000 - 60_000_000);
  });
});

describe('the /_paper market controls', () => {
  it('scripts a path: the mark travels to the target over the given time, then stays there with walkMs 0', async () => {
    await px.setMarkPrice('ETHUSD', 3_000);
    const r = await admin(px.url, 'POST', '/market/path', { product: 'ETHUSD', to: '-3%', over_s: 0.5 });
    expect(r.status).toBe(202);
    expect(r.json).toMatchObject({ product_id: 3136, from: 3_000, to: 2_910 });
    const seen = new Set<string>();
    const final = await eventually(async () => {
      const t = await publicGet<{ mark_price: string }>(px.url, '/v2/tickers/ETHUSD');
      seen.add(t.body.result.mark_price);
      return t.body.result.mark_price === '2910' ? t.body.result.mark_price : undefined;
    });
    expect(final).toBe('2910');
    expect(seen.size).toBeGreaterThan(1); // it travelled, it did not jump
    const to = await admin(px.url, 'POST', '/market/path', { product: 27, to: 60_500, over_s: 0.1 });
    expect(to.status).toBe(202);
    await eventually(async () => {
      const t = await publicGet<{ mark_price: string }>(px.url, '/v2/tickers/BTCUSD');
      return t.body.result.mark_price === '60500' ? true : undefined;
    });
  });

  it('refuses unbounded or malformed scripts with problem+json', async () => {
    for (const body of [
      { product: 'ETHUSD', to: '-3%', over_s: 0 },
      { product: 'ETHUSD', to: '-3%', over_s: 1e9 },
      { product: 'ETHUSD', to: 'down', over_s: 1 },
      { product: 'ETHUSD', to: '-300%', over_s: 1 },
      { product: 'ETHUSD', to: 1e300, over_s: 1 },
      { product: 'ETHUSD', to: '-3%', over_s: 1, extra: true },
      { product: 'ETHUSD', to: '-100%', over_s: 1 },
    ]) {
      const r = await admin(px.url, 'POST', '/market/path', body);
      expect(r.status, JSON.stringify(body)).toBe(422);
      expect(r.json).toMatchObject({ correlation_id: expect.any(String) });
    }
    const unknown = await admin(px.url, 'POST', '/market/path', { product: 'NOPE', to: '-3%', over_s: 1 });
    expect(unknown.status).toBe(400);
    expect(unknown.json).toMatchObject({ reason: 'unknown_product' });
    const steps = await admin(px.url, 'POST', '/market/step', { steps: 101 });
    expect(steps.status).toBe(422);
  });
});
