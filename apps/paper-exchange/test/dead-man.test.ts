import { createTestDatabase, type TestDatabase } from '@delta/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningPaperExchange, startPaperExchange } from '../src/index.ts';
import { eventually, type Json, type Key, signed } from './http.ts';

let testDb: TestDatabase;
let px: RunningPaperExchange;

beforeAll(async () => {
  testDb = await createTestDatabase();
  px = await startPaperExchange({ db: testDb.db });
  await px.setMarkPrice('BTCUSD', 60_000);
  await px.setMarkPrice('ETHUSD', 3_000);
});
afterAll(async () => {
  await px?.close();
  await testDb?.drop();
});

const rest = async (key: Key, product: number, price: string) =>
  (
    await signed(px.url, key, 'POST', '/v2/orders', {
      product_id: product,
      size: 1,
      side: 'buy',
      order_type: 'limit_order',
      limit_price: price,
    })
  ).result.id;
const stateOf = async (key: Key, id: unknown) =>
  (await signed(px.url, key, 'GET', `/v2/orders/${id}`)).result;
const cancelledBy = (reason: string) => async (key: Key, id: unknown) => {
  const o = await stateOf(key, id);
  return o.state === 'cancelled' && o.cancellation_reason === reason ? o : undefined;
};

describe('heartbeats (POST /v2/heartbeat/create, POST /v2/heartbeat)', () => {
  it('cancel the orders in their scope once the client stops acknowledging within the TTL', async () => {
    const key = await px.createApiKey();
    const btc = await rest(key, 27, '59000');
    const eth = await rest(key, 3136, '2950');
    const created = await signed(px.url, key, 'POST', '/v2/heartbeat/create', {
      heartbeat_id: 'bot-1',
      impact: 'products',
      product_symbols: ['BTCUSD'],
      config: [{ action: 'cancel_orders', unhealthy_count: 1 }],
    });
    expect(created.body).toEqual({ success: true, result: { heartbeat_id: 'bot-1', status: 'active' } });
    const ack = await signed(px.url, key, 'POST', '/v2/heartbeat', { heartbeat_id: 'bot-1', ttl: 300 });
    expect(ack.result).toMatchObject({
      process_enabled: 'true',
      heartbeat_timestamp: expect.stringMatching(/^\d+$/),
    });
    expect(Number(ack.result.heartbeat_timestamp)).toBeGreaterThan(Date.now() - 1_000);
    await eventually(() => cancelledBy('deadman_switch')(key, btc));
    expect((await stateOf(key, eth)).state).toBe('open'); // outside the heartbeat's scope
    const list = await signed(px.url, key, 'GET', '/v2/heartbeat', '?heartbeat_id=bot-1');
    expect(list.result).toEqual([
      expect.objectContaining({
        heartbeat_id: 'bot-1',
        impact: 'products',
        product_symbols: ['BTCUSD'],
        status: 'unhealthy',
        config: [{ action: 'cancel_orders', unhealthy_count: 1 }],
      }),
    ]);
  });

  it('a TTL of 0 disables it: nothing is cancelled', async () => {
    const key = await px.createApiKey();
    const id = await rest(key, 27, '59000');
    await signed(px.url, key, 'POST', '/v2/heartbeat/create', {
      heartbeat_id: 'bot-2',
      impact: 'contracts',
      contract_types: ['perpetual_futures'],
      config: [{ action: 'cancel_orders', unhealthy_count: 1 }],
    });
    await signed(px.url, key, 'POST', '/v2/heartbeat', { heartbeat_id: 'bot-2', ttl: '200' });
    const off = await signed(px.url, key, 'POST', '/v2/heartbeat', { heartbeat_id: 'bot-2', ttl: 0 });
    expect(off.result).toEqual({ process_enabled: 'false', heartbeat_timestamp: '0' });
    await new Promise((r) => setTimeout(r, 400));
    expect((await stateOf(key, id)).state).toBe('open');
    const [hb] = (await signed(px.url, key, 'GET', '/v2/heartbeat')).result as Json[];
    expect(hb).toMatchObject({ heartbeat_id: 'bot-2', status: 'inactive', next_ack_required_by: null });
  });

  it('refuses an unknown heartbeat, bad input and a key without the Trading permission', async () => {
    const key = await px.createApiKey();
    const unknown = await signed(px.url, key, 'POST', '/v2/heartbeat', { heartbeat_id: 'nope', ttl: 1000 });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ success: false, error: { code: 'heartbeat_not_found' } });
    for (const body of [
      { heartbeat_id: 'x', ttl: -1 },
      { heartbeat_id: 'x', ttl: 1e12 },
      { heartbeat_id: 'bad id!', ttl: 1 },
      { ttl: 1 },
    ]) {
      const r = await signed(px.url, key, 'POST', '/v2/heartbeat', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body).toMatchObject({ error: { code: 'bad_schema' } });
    }
    const noConfig = await signed(px.url, key, 'POST', '/v2/heartbeat/create', {
      heartbeat_id: 'a',
      impact: 'contracts',
      config: [],
    });
    expect(noConfig.body).toMatchObject({ error: { code: 'bad_schema' } });
    const reader = await px.createApiKey({ permissions: ['read'] });
    const r = await signed(px.url, reader, 'POST', '/v2/heartbeat/create', {
      heartbeat_id: 'a',
      impact: 'contracts',
      config: [{ action: 'cancel_orders', unhealthy_count: 1 }],
    });
    expect(r.status).toBe(401);
  });
});

describe('POST /v2/orders/cancel_after and DELETE /v2/orders/all', () => {
  it('cancels every open and pending order when the timer runs out; 0 disarms it', async () => {
    const key = await px.createApiKey();
    const a = await rest(key, 27, '59000');
    const stop = (
      await signed(px.url, key, 'POST', '/v2/orders', {
        product_id: 3136,
        size: 1,
        side: 'buy',
        order_type: 'market_order',
        stop_order_type: 'stop_loss_order',
        stop_price: '3100',
      })
    ).result.id;
    const off = await signed(px.url, key, 'POST', '/v2/orders/cancel_after', { cancel_after: 0 });
    expect(off.result).toEqual({ cancel_after_enabled: 'false', cancel_after_timestamp: '0' });
    const on = await signed(px.url, key, 'POST', '/v2/orders/cancel_after', { cancel_after: 250 });
    expect(on.result).toMatchObject({ cancel_after_enabled: 'true' });
    await eventually(() => cancelledBy('deadman_switch')(key, a));
    await eventually(() => cancelledBy('deadman_switch')(key, stop));
  });

  it('survives a restart: an armed timer still fires on the restarted exchange', async () => {
    const key = await px.createApiKey();
    const id = await rest(key, 27, '59000');
    await signed(px.url, key, 'POST', '/v2/orders/cancel_after', { cancel_after: 600 });
    await px.close();
    px = await startPaperExchange({ db: testDb.db });
    await eventually(() => cancelledBy('deadman_switch')(key, id));
  });

  it('DELETE /v2/orders/all cancels the product’s orders (or all of them)', async () => {
    const key = await px.createApiKey();
    const btc = await rest(key, 27, '59000');
    const eth = await rest(key, 3136, '2950');
    const one = await signed(px.url, key, 'DELETE', '/v2/orders/all', { product_id: 27 });
    expect(one.body).toEqual({ success: true });
    expect(await stateOf(key, btc)).toMatchObject({
      state: 'cancelled',
      cancellation_reason: 'cancelled_by_user',
    });
    expect((await stateOf(key, eth)).state).toBe('open');
    await signed(px.url, key, 'DELETE', '/v2/orders/all', {});
    expect((await stateOf(key, eth)).state).toBe('cancelled');
    const bad = await signed(px.url, key, 'DELETE', '/v2/orders/all', { product_id: 99 });
    expect(bad.body).toEqual({ success: false, error: { code: 'invalid_contract' } });
  });
});
