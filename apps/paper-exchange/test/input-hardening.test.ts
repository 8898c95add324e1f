import { createTestDatabase, type TestDatabase } from '@delta/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningPaperExchange, startPaperExchange } from '../src/index.ts';
import { type Key, rawCall } from './http.ts';

let testDb: TestDatabase;
let px: RunningPaperExchange;
let key: Key;

beforeAll(async () => {
  testDb = await createTestDatabase();
  px = await startPaperExchange({ db: testDb.db });
  key = await px.createApiKey();
});
afterAll(async () => {
  await px?.close();
  await testDb?.drop();
});

const admin = (path: string, body: unknown) =>
  fetch(`${px.url}/_paper${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

const BAD_SCHEMA = { success: false, error: { code: 'bad_schema' } };

describe('the /_paper admin API validates its input', () => {
  it('refuses a mark price of 0, under one tick, not finite or absurdly long — and the market keeps working', async () => {
    for (const price of ['0', 0, '0.0001', 0.1, 'Infinity', '9'.repeat(400), 1e300, '-5', '1e5', '']) {
      const r = await admin('/mark-price', { product: 'BTCUSD', price });
      expect(r.status, `price ${String(price).slice(0, 20)}`).toBe(422);
      const body = (await r.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ reason: 'validation_failed', correlation_id: expect.any(String) });
    }
    const ok = await admin('/mark-price', { product: 'BTCUSD', price: '61000.5' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ symbol: 'BTCUSD', mark_price: '61000.5' });
    const ticker = await rawCall(px.url, undefined, { method: 'GET', path: '/v2/tickers/BTCUSD' });
    expect(ticker.json).toMatchObject({ success: true, result: { mark_price: '61000.5' } });
  });

  it('refuses balances, quotas and fault specs beyond their bounds', async () => {
    expect((await admin('/api-keys', { balance: '9'.repeat(400) })).status).toBe(422);
    expect((await admin('/rate-limit', { units_per_window: 1, window_ms: 1e15 })).status).toBe(422);
    expect((await admin('/faults', { mode: 'latency', path: `/${'p'.repeat(5_000)}` })).status).toBe(422);
    const orders = await fetch(`${px.url}/_paper/orders?client_order_id=${'c'.repeat(200)}`);
    expect(orders.status).toBe(422);
  });
});

describe('/v2 refuses hostile input in Delta’s own error shape', () => {
  it('NUL or a lone surrogate in a body, query or path: 400 bad_schema, never a 500', async () => {
    const order = (body: string) => rawCall(px.url, key, { method: 'POST', path: '/v2/orders', body });
    for (const body of [
      JSON.stringify({
        product_symbol: 'BTCUSD',
        size: 1,
        side: 'buy',
        order_type: 'market_order',
        client_order_id: 'a\u0000b',
      }),
      '{"product_symbol":"BTCUSD","size":1,"side":"buy","order_type":"market_order","client_order_id":"x\\ud800"}',
    ]) {
      const r = await order(body);
      expect(r.status, r.text).toBe(400);
      expect(r.json).toMatchObject(BAD_SCHEMA);
    }
    const q = await rawCall(px.url, key, { method: 'GET', path: '/v2/orders', query: '?product_ids=a%00b' });
    expect(q.status, q.text).toBe(400);
    expect(q.json).toMatchObject(BAD_SCHEMA);
    const p = await rawCall(px.url, undefined, { method: 'GET', path: '/v2/tickers/a%00b' });
    expect(p.status, p.text).toBe(400);
    expect(p.json).toMatchObject(BAD_SCHEMA);
  });

  it('a deeply nested body and a badly encoded path: 400 bad_schema', async () => {
    const deep = `{"product_symbol":${'['.repeat(5_000)}1${']'.repeat(5_000)}}`;
    const r = await rawCall(px.url, key, { method: 'POST', path: '/v2/orders', body: deep });
    expect(r.status, r.text).toBe(400);
    expect(r.json).toMatchObject(BAD_SCHEMA);
    for (const path of ['/v2/tickers/%ZZ', '/v2/tickers/%C0%80', `/v2/tickers/${'T'.repeat(300)}`]) {
      const bad = await rawCall(px.url, undefined, { method: 'GET', path });
      expect(bad.status, path).toBe(400);
      expect(bad.json).toMatchObject(BAD_SCHEMA);
    }
    // Outside /v2 the same mistake is a problem body.
    const admin = await fetch(`${px.url}/_paper/%ZZ`);
    expect(admin.status).toBe(400);
    expect(await admin.json()).toMatchObject({ reason: 'bad_url_encoding' });
  });
});

describe('the issue-14 routes refuse hostile input in Delta’s shape too', () => {
  it('oversized ids, NUL bytes, absurd numbers: 400 bad_schema, never a 500', async () => {
    const call = (method: 'POST' | 'PUT' | 'DELETE', path: string, body: unknown) =>
      rawCall(px.url, key, { method, path, body: JSON.stringify(body) });
    const cases: ['POST' | 'PUT' | 'DELETE', string, unknown][] = [
      ['PUT', '/v2/orders', { id: 1e20, product_id: 27, size: 1 }],
      ['PUT', '/v2/orders', { id: '123456789012345678901', product_id: 27 }],
      ['DELETE', '/v2/orders', { id: 1e20, product_id: 27 }],
      [
        'POST',
        '/v2/orders',
        { product_id: 27, size: 1, side: 'buy', stop_order_type: 'stop_loss_order', stop_price: 1e300 },
      ],
      [
        'POST',
        '/v2/orders',
        { product_id: 27, size: 1, side: 'buy', bracket_stop_loss_price: '9'.repeat(400) },
      ],
      ['POST', '/v2/orders/bracket', { product_id: 27, stop_loss_order: { stop_price: 'a\u0000b' } }],
      ['PUT', '/v2/orders/bracket', { id: 1e20, product_id: 27 }],
      ['POST', '/v2/heartbeat/create', { heartbeat_id: 'a\u0000b', impact: 'contracts', config: [] }],
      ['POST', '/v2/heartbeat', { heartbeat_id: 'x'.repeat(500), ttl: 1 }],
      ['POST', '/v2/orders/cancel_after', { cancel_after: 1e300 }],
      ['DELETE', '/v2/orders/all', { product_id: 1e20 }],
    ];
    for (const [method, path, body] of cases) {
      const r = await call(method, path, body);
      expect(r.status, `${method} ${path} ${r.text}`).toBe(400);
      expect(r.json).toMatchObject(BAD_SCHEMA);
    }
    for (const q of [
      '?resolution=1m&symbol=BTC%00USD&start=1&end=2',
      `?resolution=1m&symbol=BTCUSD&start=1&end=${'9'.repeat(40)}`,
      '?resolution=1m&symbol=BTCUSD&start=-5&end=2',
    ]) {
      const r = await rawCall(px.url, undefined, { method: 'GET', path: '/v2/history/candles', query: q });
      expect(r.status, q).toBe(400);
      expect(r.json).toMatchObject(BAD_SCHEMA);
    }
    const tx = await rawCall(px.url, key, {
      method: 'GET',
      path: '/v2/wallet/transactions',
      query: '?end_time=1e400',
    });
    expect(tx.status).toBe(400);
  });
});
