import { createTestDatabase, type TestDatabase } from '@delta/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningPaperExchange, startPaperExchange } from '../src/index.ts';
import { admin, type Json, type Key, rawCall, signed } from './http.ts';

let testDb: TestDatabase;
let px: RunningPaperExchange;
let key: Key;

beforeAll(async () => {
  testDb = await createTestDatabase();
  px = await startPaperExchange({ db: testDb.db });
});
afterAll(async () => {
  await px?.close();
  await testDb?.drop();
});
beforeEach(async () => {
  key = await px.createApiKey({ balance: 100_000 });
  await px.setMarkPrice('BTCUSD', 60_000, 59_990);
});

const place = (body: Json, k: Key = key) =>
  signed(px.url, k, 'POST', '/v2/orders', { product_id: 27, ...body });
const edit = (body: Json) => signed(px.url, key, 'PUT', '/v2/orders', { product_id: 27, ...body });
const code = (r: { body: { error?: { code: string } } }) => r.body.error?.code;

describe('order history and fills: Delta’s pagination', () => {
  it('pages newest first, at most 50, with after/before cursors and no total', async () => {
    const k = await px.createApiKey({ balance: 1_000_000 });
    const ids: number[] = [];
    for (let i = 0; i < 56; i++) {
      const r = await place(
        { size: 1, side: i % 2 ? 'sell' : 'buy', order_type: 'market_order', client_order_id: `pg-${i}` },
        k,
      );
      ids.push(r.result.id as number);
    }
    const first = await signed(px.url, k, 'GET', '/v2/orders/history', '?page_size=100');
    expect(first.result).toHaveLength(50); // more than 50 "will return only 50 items"
    expect(Object.keys(first.meta).sort()).toEqual(['after', 'before']);
    expect(first.meta.before).toBeNull();
    expect((first.result as Json[]).map((o) => o.id)).toEqual(ids.slice(-50).reverse());
    const second = await signed(
      px.url,
      k,
      'GET',
      '/v2/orders/history',
      `?page_size=50&after=${first.meta.after}`,
    );
    expect((second.result as Json[]).map((o) => o.id)).toEqual(ids.slice(0, 6).reverse());
    expect(second.meta.after).toBeNull();
    const back = await signed(
      px.url,
      k,
      'GET',
      '/v2/orders/history',
      `?page_size=3&before=${second.meta.before}`,
    );
    expect((back.result as Json[]).map((o) => o.id)).toEqual(ids.slice(6, 9).reverse());

    const fills = await signed(px.url, k, 'GET', '/v2/fills', '?page_size=20&product_ids=27');
    expect(fills.result).toHaveLength(20);
    expect(fills.meta.after).toEqual(expect.any(String));
    const none = await signed(px.url, k, 'GET', '/v2/fills', '?product_ids=3136');
    expect(none.result).toEqual([]);
    const later = await signed(px.url, k, 'GET', '/v2/fills', `?start_time=${(Date.now() + 60_000) * 1000}`);
    expect(later.result).toEqual([]);
  });

  it('refuses more than ten product ids, a forged cursor and an unknown order type with a 4xx', async () => {
    for (const q of [
      `?product_ids=${Array.from({ length: 11 }, (_, i) => i + 1).join(',')}`,
      '?product_ids=27,abc',
      '?after=not-a-cursor',
      '?order_types=market,teleport',
      '?page_size=0',
    ]) {
      for (const path of ['/v2/orders/history', '/v2/fills']) {
        if (path === '/v2/fills' && q.includes('order_types')) continue;
        const r = await signed(px.url, key, 'GET', path, q);
        expect(r.status, `${path}${q}`).toBe(400);
        expect(code(r)).toBe('bad_schema');
      }
    }
    const stops = await signed(px.url, key, 'GET', '/v2/orders/history', '?order_types=all_stop');
    expect((stops.result as Json[]).every((o) => o.stop_order_type !== null)).toBe(true);
  });

  it('edits, brackets and cancels cost 5 units of the rate limit (Delta’s place/edit/delete weight)', async () => {
    const o = (await place({ size: 1, side: 'buy', order_type: 'limit_order', limit_price: '59000' })).result;
    px.exchange.configureRateLimit({ unitsPerWindow: 9, windowMs: 60_000 });
    try {
      expect((await edit({ id: o.id, limit_price: '59001' })).status).toBe(200);
      const second = await edit({ id: o.id, limit_price: '59002' });
      expect(second.status).toBe(429);
      expect(second.body).toEqual({ success: false, error: { code: 'too_many_requests' } });
    } finally {
      px.exchange.configureRateLimit({ unitsPerWindow: 10_000, windowMs: 300_000 });
    }
    expect((await admin(px.url, 'GET', '/market')).status).toBe(200);
  });
});

describe('the new private routes check the signature like every other', () => {
  it('refuses a signature over other bytes, an unknown key and a read-only key where trading is needed', async () => {
    for (const path of ['/v2/wallet/transactions', '/v2/orders/history', '/v2/fills', '/v2/heartbeat']) {
      const r = await rawCall(px.url, key, {
        method: 'GET',
        path,
        query: '?page_size=5',
        signed: { query: '' },
      });
      expect(r.status, path).toBe(401);
      expect(r.json).toEqual({ success: false, error: { code: 'invalid_signature' } });
      const unknown = await rawCall(
        px.url,
        { apiKey: 'nobody-here', apiSecret: 'x' },
        { method: 'GET', path },
      );
      expect(unknown.json).toEqual({ success: false, error: { code: 'invalid_api_key' } });
    }
    const reader = await px.createApiKey({ permissions: ['read'] });
    expect((await signed(px.url, reader, 'GET', '/v2/wallet/transactions')).status).toBe(200);
    for (const [method, path] of [
      ['POST', '/v2/orders/bracket'],
      ['PUT', '/v2/orders/bracket'],
      ['DELETE', '/v2/orders/all'],
      ['POST', '/v2/orders/cancel_after'],
      ['POST', '/v2/heartbeat'],
    ] as const) {
      const r = await signed(px.url, reader, method, path, {});
      expect(r.status, path).toBe(401);
      expect(r.body).toMatchObject({ error: 'UnauthorizedApiAccess' });
    }
  });
});
