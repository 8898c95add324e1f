import { createTestDatabase, type TestDatabase } from '@delta/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningPaperExchange, startPaperExchange } from '../src/index.ts';
import { type Key, rawCall } from './http.ts';

let testDb: TestDatabase;
let px: RunningPaperExchange;
let key: Key;
let readOnly: Key;

const INVALID_SIGNATURE = { success: false, error: { code: 'invalid_signature' } };
const EXPIRED = { error: 'SignatureExpired', message: 'your signature has expired' };

beforeAll(async () => {
  testDb = await createTestDatabase();
  px = await startPaperExchange({ db: testDb.db });
  key = await px.createApiKey();
  readOnly = await px.createApiKey({ permissions: ['read'] });
});
afterAll(async () => {
  await px?.close();
  await testDb?.drop();
});

describe('public endpoints', () => {
  it('lists the two India perpetuals with their contract specs', async () => {
    const r = await rawCall(px.url, undefined, { method: 'GET', path: '/v2/products' });
    expect(r.status).toBe(200);
    const body = r.json as { success: boolean; result: Record<string, unknown>[] };
    expect(body.success).toBe(true);
    const btc = body.result.find((p) => p.symbol === 'BTCUSD')!;
    expect(btc).toMatchObject({
      id: 27,
      contract_value: '0.001',
      tick_size: '0.5',
      contract_type: 'perpetual_futures',
    });
    expect(body.result.find((p) => p.symbol === 'ETHUSD')).toMatchObject({
      id: 3136,
      contract_value: '0.01',
    });
  });

  it('answers like Delta for unknown things', async () => {
    const product = await rawCall(px.url, undefined, { method: 'GET', path: '/v2/products/NOPE' });
    expect(product.status).toBe(400);
    expect(product.json).toEqual({ success: false, error: { code: 'invalid_contract' } });
    const ticker = await rawCall(px.url, undefined, { method: 'GET', path: '/v2/tickers/NOPE' });
    expect(ticker.status).toBe(200);
    expect(ticker.json).toEqual({ success: true, result: null });
    const path = await rawCall(px.url, undefined, { method: 'GET', path: '/v2/nothing/here' });
    expect(path.status).toBe(404);
    expect(path.headers.get('content-type')).toMatch(/^text\/plain/);
  });

  it('serves a book around the mark that follows the admin mark price', async () => {
    await px.setMarkPrice('BTCUSD', 50_000);
    const r = await rawCall(px.url, undefined, { method: 'GET', path: '/v2/l2orderbook/BTCUSD' });
    const book = (r.json as { result: { buy: { price: string }[]; sell: { price: string }[] } }).result;
    expect(Number(book.buy[0]!.price)).toBeLessThan(50_000);
    expect(Number(book.sell[0]!.price)).toBeGreaterThan(50_000);
    const t = await rawCall(px.url, undefined, { method: 'GET', path: '/v2/tickers/BTCUSD' });
    expect((t.json as { result: { mark_price: string } }).result.mark_price).toBe('50000');
  });

  it('blocks requests without a User-Agent with the CDN body', async () => {
    const r = await rawCall(px.url, undefined, { method: 'GET', path: '/v2/products', userAgent: null });
    expect(r.status).toBe(403);
    expect(r.json).toEqual({ error: 'Forbidden', message: 'Request blocked by CDN' });
  });
});

describe('authentication', () => {
  it('accepts a correctly signed request', async () => {
    const r = await rawCall(px.url, key, {
      method: 'GET',
      path: '/v2/orders',
      query: '?product_id=27&states=open',
    });
    expect(r.status).toBe(200);
  });

  it('rejects an unknown key', async () => {
    const r = await rawCall(
      px.url,
      { apiKey: 'nope-nope', apiSecret: 'x' },
      { method: 'GET', path: '/v2/profile' },
    );
    expect(r.status).toBe(401);
    expect(r.json).toEqual({ success: false, error: { code: 'invalid_api_key' } });
  });

  it('rejects a signature over the path without the ?', async () => {
    const r = await rawCall(px.url, key, {
      method: 'GET',
      path: '/v2/orders',
      query: '?product_id=27',
      signed: { query: 'product_id=27' },
    });
    expect(r.status).toBe(401);
    expect(r.json).toEqual(INVALID_SIGNATURE);
  });

  it('rejects a millisecond timestamp', async () => {
    const r = await rawCall(px.url, key, {
      method: 'GET',
      path: '/v2/profile',
      timestamp: String(Date.now()),
    });
    expect(r.status).toBe(401);
    expect(r.json).toEqual(EXPIRED);
  });

  it('rejects a signature over a re-serialised body', async () => {
    const sent = '{"product_id":27, "size":1, "side":"buy", "order_type":"market_order"}';
    const r = await rawCall(px.url, key, {
      method: 'POST',
      path: '/v2/orders',
      body: sent,
      signed: { body: JSON.stringify(JSON.parse(sent)) },
    });
    expect(r.status).toBe(401);
    expect(r.json).toEqual(INVALID_SIGNATURE);
  });

  it('rejects a signature older than 5 s', async () => {
    const old = String(Math.floor(Date.now() / 1000) - 7);
    const r = await rawCall(px.url, key, { method: 'GET', path: '/v2/profile', timestamp: old });
    expect(r.status).toBe(401);
    expect(r.json).toEqual(EXPIRED);
  });

  it('refuses trading to a read-only key but lets it read', async () => {
    const read = await rawCall(px.url, readOnly, { method: 'GET', path: '/v2/wallet/balances' });
    expect(read.status).toBe(200);
    const body = '{"product_id":27,"size":1,"side":"buy","order_type":"market_order"}';
    const r = await rawCall(px.url, readOnly, { method: 'POST', path: '/v2/orders', body });
    expect(r.status).toBe(401);
    expect(r.json).toEqual({
      error: 'UnauthorizedApiAccess',
      message: 'Api Key not authorised to access this endpoint',
    });
  });
});

describe('rate limits', () => {
  it('answers 429 with X-RATE-LIMIT-RESET past the quota', async () => {
    px.exchange.configureRateLimit({ unitsPerWindow: 10, windowMs: 60_000 });
    try {
      const statuses: number[] = [];
      let reset: string | null = null;
      for (let i = 0; i < 5; i++) {
        const r = await rawCall(px.url, key, { method: 'GET', path: '/v2/wallet/balances' });
        statuses.push(r.status);
        if (r.status === 429) reset = r.headers.get('x-rate-limit-reset');
      }
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      expect(Number(reset)).toBeGreaterThan(0);
    } finally {
      px.exchange.configureRateLimit({ unitsPerWindow: 10_000, windowMs: 300_000 });
    }
  });
});

describe('persistence', () => {
  it('keeps keys, orders and marks across a restart on the same database', async () => {
    const k = await px.createApiKey();
    const body =
      '{"product_id":3136,"size":2,"side":"buy","order_type":"market_order","client_order_id":"persist-1"}';
    const placed = await rawCall(px.url, k, { method: 'POST', path: '/v2/orders', body });
    expect(placed.status).toBe(200);
    await px.setMarkPrice(3136, 3_100);
    await px.close();
    px = await startPaperExchange({ db: testDb.db });
    const order = await rawCall(px.url, k, { method: 'GET', path: '/v2/orders/client_order_id/persist-1' });
    expect(order.status).toBe(200);
    expect((order.json as { result: { state: string } }).result.state).toBe('closed');
    const pos = await rawCall(px.url, k, { method: 'GET', path: '/v2/positions', query: '?product_id=3136' });
    expect((pos.json as { result: { size: number } }).result.size).toBe(2);
    const t = await rawCall(px.url, undefined, { method: 'GET', path: '/v2/tickers/ETHUSD' });
    expect((t.json as { result: { mark_price: string } }).result.mark_price).toBe('3100');
  });
});

describe('client order ids', () => {
  const order = (cid: string) =>
    `{"product_id":27,"size":1,"side":"buy","order_type":"market_order","client_order_id":"${cid}"}`;
  const settings = (unique: boolean) =>
    fetch(`${px.url}/_paper/settings`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ unique_client_order_ids: unique }),
    });

  it('refuses a duplicate by default, and takes it as a second order when told not to police them', async () => {
    const k = await px.createApiKey();
    const first = await rawCall(px.url, k, { method: 'POST', path: '/v2/orders', body: order('dup-1') });
    expect(first.status).toBe(200);
    const again = await rawCall(px.url, k, { method: 'POST', path: '/v2/orders', body: order('dup-1') });
    expect(again.status).toBe(400);
    expect(again.json).toMatchObject({ success: false, error: { code: 'duplicate_client_order_id' } });

    expect((await settings(false)).status).toBe(200);
    try {
      const twice = await rawCall(px.url, k, { method: 'POST', path: '/v2/orders', body: order('dup-1') });
      expect(twice.status).toBe(200);
      expect(await px.ordersByClientId('dup-1', k.userId)).toHaveLength(2);
      // A look-up by client id finds the first order under it.
      const found = await rawCall(px.url, k, { method: 'GET', path: '/v2/orders/client_order_id/dup-1' });
      expect((found.json as { result: { id: number } }).result.id).toBe(
        (first.json as { result: { id: number } }).result.id,
      );
    } finally {
      await settings(true);
    }
    expect((await (await fetch(`${px.url}/_paper/settings`)).json()).unique_client_order_ids).toBe(true);
  });
});
