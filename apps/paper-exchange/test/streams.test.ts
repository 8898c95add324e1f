import { createTestDatabase, type TestDatabase } from '@delta/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type RunningPaperExchange, startPaperExchange } from '../src/index.ts';
import { admin, type Key, rawCall, signed } from './http.ts';
import { type Msg, WsClient } from './ws-client.ts';

let testDb: TestDatabase;
let px: RunningPaperExchange;
const clients: WsClient[] = [];

beforeAll(async () => {
  testDb = await createTestDatabase();
  px = await startPaperExchange({ db: testDb.db, streams: { heartbeatMs: 150 } });
  await px.setMarkPrice('BTCUSD', 60_000, 59_990);
});
afterAll(async () => {
  for (const c of clients) c.terminate();
  await px?.close();
  await testDb?.drop();
});

const open = async (url: string) => {
  const c = await WsClient.open(url);
  clients.push(c);
  return c;
};

describe('public channels on the public host (/public)', () => {
  it('subscribe, then each move arrives as ticker, mark_price, ob_l2, trades, candlestick, spot_price', async () => {
    const c = await open(px.publicWsUrl);
    c.subscribe([
      { name: 'ticker', symbols: ['BTCUSD'] },
      { name: 'mark_price', symbols: ['MARK:BTCUSD'] },
      { name: 'ob_l2', symbols: ['BTCUSD'] },
      { name: 'trades', symbols: ['BTCUSD'] },
      { name: 'candlestick_1m', symbols: ['MARK:BTCUSD', 'BTCUSD'] },
      { name: 'spot_price', symbols: ['.DEXBTUSD'] },
      { name: 'funding_rate', symbols: ['all'] },
    ]);
    const subs = await c.type('subscriptions');
    expect(subs.channels).toEqual(
      expect.arrayContaining([
        { name: 'ticker', symbols: ['BTCUSD'] },
        { name: 'candlestick_1m', symbols: ['MARK:BTCUSD', 'BTCUSD'] },
        { name: 'funding_rate', symbols: ['all'] },
      ]),
    );
    await px.setMarkPrice('BTCUSD', 61_000, 60_990);
    const mark = await c.type('mark_price', (m) => m.p === '61000');
    expect(mark).toMatchObject({ sy: 'MARK:BTCUSD', ts: expect.any(Number) });
    const ticker = await c.type('ticker', (m) => (m.d as Msg[])[0]!.m === '61000');
    expect(ticker).toMatchObject({ sy: 'BTCUSD', sp: '60990' });
    expect((ticker.d as Msg[])[0]).toMatchObject({
      i: 27,
      s: 'BTCUSD',
      ohlc: expect.any(Array),
      pb: expect.any(Array),
    });
    const book = await c.type('ob_l2', (m) => Number((m.b as string[][])[0]![0]) < 61_000);
    expect(book.a as unknown[]).toHaveLength(15);
    const trade = await c.type('trades', (m) => Number(m.p) > 61_000);
    expect(trade).toMatchObject({ sy: 'BTCUSD', r: 't', s: 1 });
    const candle = await c.type('candlestick_1m', (m) => m.sy === 'MARK:BTCUSD' && m.c === 61_000);
    expect(candle).toMatchObject({ res: '1m', h: expect.any(Number) });
    expect(candle).not.toHaveProperty('v'); // no volume on mark candles
    await c.type('candlestick_1m', (m) => m.sy === 'BTCUSD' && typeof m.v === 'number');
    expect(await c.type('spot_price', (m) => m.p === '60990')).toMatchObject({ sy: '.DEXBTUSD' });
    expect(await c.type('funding_rate', (m) => m.sy === 'BTCUSD')).toMatchObject({
      fi: 28_800,
      fr: expect.any(Number),
    });
  });
});

describe('legacy public channels on the private host (/)', () => {
  it('v2/ticker, l2_orderbook, all_trades (with its snapshot), mark_price and candles in the long shapes', async () => {
    const c = await open(px.wsUrl);
    c.subscribe([
      { name: 'v2/ticker', symbols: ['BTCUSD'] },
      { name: 'l2_orderbook', symbols: ['BTCUSD'] },
      { name: 'all_trades', symbols: ['BTCUSD'] },
      { name: 'mark_price', symbols: ['MARK:BTCUSD'] },
      { name: 'candlestick_5m', symbols: ['MARK:BTCUSD'] },
    ]);
    await c.type('subscriptions');
    const snap = await c.type('all_trades_snapshot');
    expect((snap.trades as Msg[])[0]).toMatchObject({
      buyer_role: expect.any(String),
      size: expect.any(Number),
    });
    await px.setMarkPrice('BTCUSD', 60_500);
    expect(await c.type('v2/ticker', (m) => m.mark_price === '60500')).toMatchObject({
      symbol: 'BTCUSD',
      product_id: 27,
    });
    const book = await c.type('l2_orderbook', (m) => Number((m.sell as Msg[])[0]!.limit_price) > 60_500);
    expect(book).toMatchObject({ symbol: 'BTCUSD', product_id: 27, last_sequence_no: expect.any(Number) });
    expect((book.buy as Msg[])[0]).toEqual({
      limit_price: expect.any(String),
      size: expect.any(Number),
      depth: expect.any(String),
    });
    expect(await c.type('all_trades', (m) => Number(m.price) < 60_500)).toMatchObject({
      seller_role: 'taker',
      buyer_role: 'maker',
    });
    expect(await c.type('mark_price', (m) => m.price === '60500')).toMatchObject({
      symbol: 'MARK:BTCUSD',
      price_band: { lower_limit: expect.any(String), upper_limit: expect.any(String) },
    });
    const k = await c.type('candlestick_5m', (m) => m.close === 60_500);
    expect(k).toMatchObject({
      symbol: 'MARK:BTCUSD',
      resolution: '5m',
      candle_start_time: expect.any(Number),
    });
    expect((k.candle_start_time as number) % 300_000_000).toBe(0);
  });

  it('answers subscription errors per channel, keeps the good ones, and survives malformed messages', async () => {
    const c = await open(px.wsUrl);
    c.subscribe([
      { name: 'orders', symbols: ['BTCUSD'] },
      { name: 'teleport', symbols: ['BTCUSD'] },
      { name: 'v2/ticker', symbols: ['NOPE'] },
      { name: 'l2_orderbook', symbols: ['all'] },
      { name: 'ticker', symbols: ['BTCUSD'] },
      { name: 'mark_price', symbols: ['BTCUSD'] },
      { name: 'v2/ticker', symbols: ['ETHUSD'] },
    ]);
    const r = await c.type('subscriptions');
    const channels = r.channels as Msg[];
    expect(channels).toContainEqual({ name: 'v2/ticker', symbols: ['ETHUSD'] });
    expect(channels).toContainEqual({
      name: 'orders',
      error: 'subscription forbidden on orders. Unauthorized user',
    });
    for (const name of ['teleport', 'ticker'])
      expect(channels.find((x) => x.name === name)!.error).toMatch(/forbidden/);
    for (const name of ['l2_orderbook', 'mark_price'])
      expect(channels.find((x) => x.name === name)!.error).toMatch(/invalid symbols/);
    c.send('not json');
    expect(await c.type('error')).toMatchObject({ message: expect.any(String) });
    c.send({ type: 'ping' });
    await c.type('pong');
    const pub = await open(px.publicWsUrl);
    pub.subscribe([{ name: 'orders', symbols: ['all'] }]);
    expect(((await pub.type('subscriptions')).channels as Msg[])[0]!.error).toMatch(/forbidden/);
  });

  it('sends heartbeats once enabled, and stops when disabled', async () => {
    const c = await open(px.wsUrl);
    c.send({ type: 'enable_heartbeat' });
    await c.type('heartbeat');
    await c.type('heartbeat');
    c.send({ type: 'disable_heartbeat' });
    c.send({ type: 'ping' });
    await c.type('pong');
  });
});

describe('key-auth and the private channels', () => {
  it('authenticates with the signature over GET + timestamp + /live, and says why it does not', async () => {
    const key = await px.createApiKey();
    const c = await open(px.wsUrl);
    expect(await c.auth(key)).toEqual({
      type: 'key-auth',
      success: true,
      status_code: 200,
      status: 'authenticated',
    });
    const bad = await open(px.wsUrl);
    expect(await bad.auth({ apiKey: key.apiKey, apiSecret: 'wrong' })).toMatchObject({
      success: false,
      status_code: 401,
      status: 'invalid_signature',
    });
    expect(await bad.auth(key, Math.floor(Date.now() / 1000) - 30)).toMatchObject({
      status_code: 408,
      status: 'request_expired',
    });
    expect(await bad.auth({ apiKey: 'nobody', apiSecret: 'x' })).toMatchObject({
      status_code: 404,
      status: 'api_key_not_found',
    });
    bad.send({ type: 'key-auth', payload: { 'api-key': key.apiKey } });
    expect(await bad.type('key-auth')).toMatchObject({ status_code: 400, status: 'incomplete_payload' });
    bad.send({ type: 'auth', payload: {} });
    expect(await bad.type('auth')).toMatchObject({ success: false });
  });

  it('orders, v2/user_trades, positions and margins follow the account; a dropped socket resubscribes and catches up over REST', async () => {
    const key = await px.createApiKey({ balance: 50_000 });
    await px.setMarkPrice('BTCUSD', 60_000, 59_990);
    const resting = (
      await signed(px.url, key, 'POST', '/v2/orders', {
        product_id: 27,
        size: 1,
        side: 'buy',
        order_type: 'limit_order',
        limit_price: '59000',
      })
    ).result;
    const c = await open(px.wsUrl);
    await c.auth(key);
    c.subscribe([
      { name: 'orders', symbols: ['BTCUSD'] },
      { name: 'positions', symbols: ['BTCUSD'] },
      { name: 'v2/user_trades', symbols: ['BTCUSD'] },
      { name: 'margins' },
    ]);
    expect(((await c.type('subscriptions')).channels as Msg[]).every((x) => !x.error)).toBe(true);
    const ordersSnap = await c.type('orders', (m) => m.action === 'snapshot');
    expect((ordersSnap.result as Msg[]).map((o) => o.id)).toEqual([resting.id]);
    expect(await c.type('positions', (m) => m.action === 'snapshot')).toMatchObject({
      result: [],
      success: true,
    });

    const buy = (
      await signed(px.url, key, 'POST', '/v2/orders', {
        product_id: 27,
        size: 3,
        side: 'buy',
        order_type: 'market_order',
        client_order_id: 'ws-1',
      })
    ).result;
    expect(await c.type('orders', (m) => m.order_id === buy.id && m.action === 'create')).toMatchObject({
      symbol: 'BTCUSD',
      client_order_id: 'ws-1',
    });
    const done = await c.type('orders', (m) => m.order_id === buy.id && m.action === 'delete');
    expect(done).toMatchObject({ reason: 'fill', state: 'closed', unfilled_size: 0 });
    const fill = await c.type('v2/user_trades');
    expect(fill).toMatchObject({
      sy: 'BTCUSD',
      o: buy.id,
      S: 'buy',
      s: 3,
      po: 3,
      r: 'taker',
      c: 'ws-1',
      R: 'normal',
      se: 1,
    });
    expect(await c.type('positions', (m) => m.action === 'create')).toMatchObject({
      symbol: 'BTCUSD',
      size: 3,
    });
    const margins = await c.type('margins');
    expect(margins).toMatchObject({ action: 'update', asset_symbol: 'USD', balance: expect.any(String) });

    // The client's connection drops; meanwhile an order fills.
    c.terminate();
    const missed = (
      await signed(px.url, key, 'POST', '/v2/orders', {
        product_id: 27,
        size: 2,
        side: 'sell',
        order_type: 'market_order',
        reduce_only: true,
      })
    ).result;
    const again = await open(px.wsUrl);
    await again.auth(key);
    again.subscribe([
      { name: 'orders', symbols: ['BTCUSD'] },
      { name: 'positions', symbols: ['BTCUSD'] },
      { name: 'v2/user_trades', symbols: ['BTCUSD'] },
    ]);
    const snap = await again.type('orders', (m) => m.action === 'snapshot');
    expect((snap.result as Msg[]).map((o) => o.id)).toEqual([resting.id]);
    expect((snap.meta as Msg).seq_no).toBeGreaterThanOrEqual(2);
    const positions = await again.type('positions', (m) => m.action === 'snapshot');
    expect((positions.result as Msg[])[0]).toMatchObject({ size: 1, product_symbol: 'BTCUSD' });
    // Catch-up: every fill since the last one the stream delivered, from REST, exactly once.
    const fills = (await signed(px.url, key, 'GET', '/v2/fills', '?product_ids=27')).result as Msg[];
    const seen = [fill.f];
    const caughtUp = fills.filter((f) => !seen.includes(String(f.id)));
    expect(caughtUp.map((f) => f.order_id)).toEqual([String(missed.id)]);
    expect(new Set([...seen, ...caughtUp.map((f) => String(f.id))]).size).toBe(fills.length);

    await signed(px.url, key, 'DELETE', '/v2/orders', { id: resting.id, product_id: 27 });
    expect(await again.type('orders', (m) => m.order_id === resting.id)).toMatchObject({
      action: 'delete',
      state: 'cancelled',
      reason: null,
    });
  });

  it('a liquidation reaches the streams with Delta’s liquidation reason', async () => {
    const key = await px.createApiKey({ balance: 500 });
    await px.setMarkPrice('ETHUSD', 3_000);
    await rawCall(px.url, key, {
      method: 'POST',
      path: '/v2/products/3136/orders/leverage',
      body: '{"leverage":50}',
    });
    await signed(px.url, key, 'POST', '/v2/orders', {
      product_id: 3136,
      size: 10,
      side: 'buy',
      order_type: 'market_order',
    });
    const c = await open(px.wsUrl);
    await c.auth(key);
    c.subscribe([
      { name: 'v2/user_trades', symbols: ['all'] },
      { name: 'orders', symbols: ['all'] },
    ]);
    await c.type('subscriptions');
    await px.setMarkPrice('ETHUSD', 2_900);
    expect(await c.type('v2/user_trades', (m) => m.R === 'liquidation')).toMatchObject({
      sy: 'ETHUSD',
      S: 'sell',
      po: 0,
    });
    expect(await c.type('orders', (m) => m.reason === 'liquidation')).toMatchObject({ symbol: 'ETHUSD' });
  });

  it('unauth drops the private subscriptions', async () => {
    const key = await px.createApiKey();
    const c = await open(px.wsUrl);
    await c.auth(key);
    c.subscribe([
      { name: 'orders', symbols: ['all'] },
      { name: 'v2/ticker', symbols: ['BTCUSD'] },
    ]);
    await c.type('subscriptions');
    c.send({ type: 'unauth', payload: {} });
    await c.type('unauth');
    c.subscribe([{ name: 'v2/ticker', symbols: ['ETHUSD'] }]);
    const r = await c.type('subscriptions');
    expect((r.channels as Msg[]).map((x) => x.name)).toEqual(['v2/ticker']);
  });
});

describe('system_status', () => {
  it('announces maintenance scheduled, started and finished (the REST outage itself is a fault to inject)', async () => {
    const c = await open(px.publicWsUrl);
    c.subscribe([{ name: 'system_status' }]);
    expect(await c.type('subscriptions')).toMatchObject({ channels: [{ name: 'system_status' }] });
    expect(await c.type('system_status')).toMatchObject({ event: 'snapshot', status: 'live' });
    const s = await admin(px.url, 'POST', '/system-status', { event: 'maintenance_scheduled' });
    expect(s.status).toBe(200);
    expect(await c.type('system_status')).toMatchObject({
      event: 'maintenance_scheduled',
      status: 'live',
      maintenance_start_time: expect.any(Number),
    });
    await admin(px.url, 'POST', '/system-status', { event: 'maintenance_started' });
    expect(await c.type('system_status')).toMatchObject({
      event: 'maintenance_started',
      status: 'maintenance',
    });
    px.injectFault({ mode: '5xx', status: 503, method: 'GET', path: '/v2/products' });
    const down = await rawCall(px.url, undefined, { method: 'GET', path: '/v2/products' });
    expect(down.status).toBe(503);
    await admin(px.url, 'POST', '/system-status', { event: 'maintenance_finished' });
    expect(await c.type('system_status')).toMatchObject({ event: 'maintenance_finished', status: 'live' });
    expect((await rawCall(px.url, undefined, { method: 'GET', path: '/v2/products' })).status).toBe(200);
    expect((await admin(px.url, 'POST', '/system-status', { event: 'reboot' })).status).toBe(422);
  });
});

describe('connection management', () => {
  it('refuses connections beyond the per-IP limit with a 429, unknown paths with a 404, and closes idle sockets', async () => {
    const db = await createTestDatabase();
    const tight = await startPaperExchange({
      db: db.db,
      streams: { connectLimit: { count: 2, windowMs: 60_000 }, idleMs: 200 },
    });
    try {
      const a = await WsClient.open(tight.wsUrl);
      const b = await WsClient.open(tight.publicWsUrl);
      await expect(WsClient.open(tight.wsUrl)).rejects.toThrow('HTTP 429');
      await expect(a.next(() => false)).rejects.toThrow(/closed \(4008\)/);
      b.terminate();
      const status = await new Promise<number>((resolve) => {
        const ws = new WebSocket(`${tight.url.replace('http', 'ws')}/elsewhere`);
        ws.on('unexpected-response', (_q, res) => resolve(res.statusCode ?? 0));
        ws.on('error', () => resolve(-1));
      });
      expect([404, 429]).toContain(status);
    } finally {
      await tight.close();
      await db.drop();
    }
  });
});

export type { Key };
