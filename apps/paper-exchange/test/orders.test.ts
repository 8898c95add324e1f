import { createTestDatabase, type TestDatabase } from '@delta/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningPaperExchange, startPaperExchange } from '../src/index.ts';
import { type Json, type Key, signed } from './http.ts';

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
const getOrder = async (id: unknown) => (await signed(px.url, key, 'GET', `/v2/orders/${id}`)).result;
const position = async (product = 27) =>
  (await signed(px.url, key, 'GET', '/v2/positions', `?product_id=${product}`)).result.size as number;
const code = (r: { body: { error?: { code: string } } }) => r.body.error?.code;

describe('the allowed price band', () => {
  it('refuses a buy above the band and a sell below it, lets a passive price rest, and names the band', async () => {
    const buy = await place({ size: 1, side: 'buy', order_type: 'limit_order', limit_price: '61600' });
    expect(buy.status).toBe(400);
    expect(buy.body).toMatchObject({
      success: false,
      error: { code: 'out_of_price_band', context: { limit_price: '61600', upper_limit: '61500' } },
    });
    const sell = await place({ size: 1, side: 'sell', order_type: 'limit_order', limit_price: '58400' });
    expect(code(sell)).toBe('out_of_price_band');
    const inside = await place({ size: 1, side: 'buy', order_type: 'limit_order', limit_price: '61400' });
    expect(inside.result).toMatchObject({ state: 'closed' }); // crosses the book: fills now
    const passive = await place({ size: 1, side: 'buy', order_type: 'limit_order', limit_price: '50000' });
    expect(passive.result).toMatchObject({ state: 'open' });
  });

  it('widens with volatility: ±2σ of the 15-minute mark when that is wider than ± price_band %', async () => {
    await px.setMarkPrice('BTCUSD', 68_000);
    await px.setMarkPrice('BTCUSD', 60_000);
    const t = await signed(px.url, key, 'GET', '/v2/tickers/BTCUSD');
    const upper = Number((t.result.price_band as Json).upper_limit);
    expect(upper).toBeGreaterThan(61_600);
    const limit = String(Math.floor(upper) - 50);
    const r = await place({ size: 1, side: 'buy', order_type: 'limit_order', limit_price: limit });
    expect(r.status, r.text).toBe(200);
  });
});

describe('time in force and post-only', () => {
  it('rests gtc, cancels the rest of an ioc, refuses fok (Delta removed it) and a crossing post-only', async () => {
    const ioc = await place({
      size: 3000,
      side: 'buy',
      order_type: 'limit_order',
      limit_price: '60003',
      time_in_force: 'ioc',
    });
    expect(ioc.result).toMatchObject({ state: 'cancelled', cancellation_reason: 'ioc_unfilled' });
    expect((ioc.result.unfilled_size as number) > 0 && (ioc.result.unfilled_size as number) < 3000).toBe(
      true,
    );
    const fok = await place({
      size: 1,
      side: 'buy',
      order_type: 'limit_order',
      limit_price: '59000',
      time_in_force: 'fok',
    });
    expect(fok.status).toBe(400);
    expect(fok.body).toMatchObject({ error: { code: 'bad_schema' } });
    expect(JSON.stringify(fok.body)).toContain('fok');
    const post = await place({
      size: 1,
      side: 'buy',
      order_type: 'limit_order',
      limit_price: '60100',
      post_only: true,
    });
    expect(code(post)).toBe('immediate_execution_post_only');
    const rest = await place({
      size: 1,
      side: 'buy',
      order_type: 'limit_order',
      limit_price: '59000',
      post_only: 'true',
    });
    expect(rest.result).toMatchObject({ state: 'open', post_only: true, time_in_force: 'gtc' });
  });
});

describe('PUT /v2/orders (edit)', () => {
  it('moves the price and size of a resting order; a price that now crosses trades at once', async () => {
    const o = (await place({ size: 2, side: 'buy', order_type: 'limit_order', limit_price: '59000' })).result;
    const moved = await edit({ id: o.id, limit_price: '59500', size: 5 });
    expect(moved.status, moved.text).toBe(200);
    expect(moved.result).toMatchObject({
      id: o.id,
      limit_price: '59500',
      size: 5,
      unfilled_size: 5,
      state: 'open',
    });
    const crossed = await edit({ id: o.id, limit_price: '60010' });
    expect(crossed.result).toMatchObject({ state: 'closed', unfilled_size: 0 });
    expect(await position()).toBe(5);
  });

  it('refuses in Delta’s terms: filled, cancelled, unknown, out of band, too small, malformed, read-only key', async () => {
    const filled = (await place({ size: 1, side: 'buy', order_type: 'market_order' })).result;
    expect(code(await edit({ id: filled.id, size: 2 }))).toBe('order_already_filled');
    const o = (await place({ size: 2, side: 'sell', order_type: 'limit_order', limit_price: '61000' }))
      .result;
    expect(code(await edit({ id: o.id, limit_price: '30000' }))).toBe('out_of_price_band');
    expect((await getOrder(o.id)).limit_price).toBe('61000'); // a refused edit changes nothing
    expect(code(await edit({ id: o.id, size: 0 }))).toBe('bad_schema');
    expect(code(await edit({ id: 999_999_999, limit_price: '61000' }))).toBe('open_order_not_found');
    expect(code(await edit({ id: o.id, limit_price: '61000.3' }))).toBe('invalid_limit_price');
    expect(code(await edit({ id: 'x', limit_price: '61000' }))).toBe('bad_schema');
    await signed(px.url, key, 'DELETE', '/v2/orders', { id: o.id, product_id: 27 });
    expect(code(await edit({ id: o.id, limit_price: '61500' }))).toBe('open_order_not_found');
    const reader = await px.createApiKey({ permissions: ['read'] });
    const r = await signed(px.url, reader, 'PUT', '/v2/orders', { id: o.id, product_id: 27, size: 3 });
    expect(r.status).toBe(401);
    expect(r.body).toEqual({
      error: 'UnauthorizedApiAccess',
      message: 'Api Key not authorised to access this endpoint',
    });
  });
});

describe('stop orders', () => {
  it('wait pending, then a stop-loss market sells when the mark falls to its stop', async () => {
    await place({ size: 4, side: 'buy', order_type: 'market_order' });
    const stop = await place({
      size: 4,
      side: 'sell',
      order_type: 'market_order',
      stop_order_type: 'stop_loss_order',
      stop_price: '59000',
      reduce_only: true,
    });
    expect(stop.result).toMatchObject({
      state: 'pending',
      stop_order_type: 'stop_loss_order',
      stop_price: '59000',
      stop_trigger_method: 'mark_price',
    });
    const open = await signed(px.url, key, 'GET', '/v2/orders', '?product_ids=27&states=pending');
    expect((open.result as Json[]).map((x) => x.id)).toContain(stop.result.id);
    await px.setMarkPrice('BTCUSD', 59_100);
    expect((await getOrder(stop.result.id)).state).toBe('pending');
    await px.setMarkPrice('BTCUSD', 58_990);
    expect(await getOrder(stop.result.id)).toMatchObject({ state: 'closed', unfilled_size: 0 });
    expect(await position()).toBe(0);
  });

  it('a take-profit stop-limit buy triggers on the last traded price; a spot-triggered one on the index', async () => {
    const tp = await place({
      size: 1,
      side: 'buy',
      order_type: 'limit_order',
      limit_price: '59600',
      stop_order_type: 'take_profit_order',
      stop_price: '59500',
      stop_trigger_method: 'last_traded_price',
    });
    const spot = await place({
      size: 1,
      side: 'buy',
      order_type: 'market_order',
      stop_order_type: 'stop_loss_order',
      stop_price: '61000',
      stop_trigger_method: 'spot_price',
    });
    // The mark rises to 61 005 while the spot index stays under 61 000: only a mark trigger would fire.
    await px.setMarkPrice('BTCUSD', 61_005, 60_990);
    expect((await getOrder(spot.result.id)).state).toBe('pending');
    await px.setMarkPrice('BTCUSD', 61_010, 61_001);
    expect((await getOrder(spot.result.id)).state).toBe('closed');
    expect((await getOrder(tp.result.id)).state).toBe('pending');
    await px.setMarkPrice('BTCUSD', 59_480); // the tape prints at the bid, under 59 500
    expect(await getOrder(tp.result.id)).toMatchObject({ state: 'closed', average_fill_price: '59483' });
  });

  it('can be edited and cancelled while pending; a stop already beyond its trigger fires at once', async () => {
    const s = await place({
      size: 1,
      side: 'buy',
      order_type: 'market_order',
      stop_order_type: 'stop_loss_order',
      stop_price: '62000',
    });
    const moved = await edit({ id: s.result.id, stop_price: '62500' });
    expect(moved.result).toMatchObject({ state: 'pending', stop_price: '62500' });
    const cancel = await signed(px.url, key, 'DELETE', '/v2/orders', { id: s.result.id, product_id: 27 });
    expect(cancel.result).toMatchObject({ state: 'cancelled', cancellation_reason: 'cancelled_by_user' });
    const now = await place({
      size: 1,
      side: 'sell',
      order_type: 'market_order',
      stop_order_type: 'take_profit_order',
      stop_price: '59000',
    });
    expect(now.result).toMatchObject({ state: 'closed', stop_order_type: 'take_profit_order' });
  });

  it('refuses half a stop, a trailing stop and a bad trigger method', async () => {
    for (const body of [
      { size: 1, side: 'sell', stop_price: '59000' },
      { size: 1, side: 'sell', stop_order_type: 'stop_loss_order' },
      { size: 1, side: 'sell', stop_order_type: 'stop_loss_order', stop_price: '59000', trail_amount: '50' },
      {
        size: 1,
        side: 'sell',
        stop_order_type: 'stop_loss_order',
        stop_price: '59000',
        stop_trigger_method: 'moon',
      },
      { size: 1, side: 'sell', stop_order_type: 'stop_loss_order', stop_price: '-5' },
    ]) {
      const r = await place(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(code(r)).toBe('bad_schema');
    }
  });
});

describe('bracket orders', () => {
  it('an entry with bracket prices gives its position a take-profit and a stop-loss; one fills, the other goes', async () => {
    const entry = await place({
      size: 3,
      side: 'buy',
      order_type: 'market_order',
      bracket_stop_loss_price: '58000',
      bracket_take_profit_price: '62000',
      bracket_take_profit_limit_price: '61990',
    });
    expect(entry.result).toMatchObject({
      state: 'closed',
      bracket_stop_loss_price: '58000',
      bracket_take_profit_price: '62000',
    });
    const legs = (await signed(px.url, key, 'GET', '/v2/orders', '?product_ids=27')).result as Json[];
    const tp = legs.find((o) => o.stop_order_type === 'take_profit_order')!;
    const sl = legs.find((o) => o.stop_order_type === 'stop_loss_order')!;
    expect(tp).toMatchObject({
      state: 'pending',
      side: 'sell',
      size: 3,
      reduce_only: true,
      bracket_order: true,
      order_type: 'limit_order',
      limit_price: '61990',
    });
    expect(sl).toMatchObject({
      state: 'pending',
      side: 'sell',
      size: 3,
      bracket_order: true,
      order_type: 'market_order',
    });
    expect(code(await edit({ id: sl.id, stop_price: '57000' }))).toBe(
      'position_bracket_exist_or_invalid_data',
    );
    await px.setMarkPrice('BTCUSD', 62_050);
    expect(await position()).toBe(0);
    expect(await getOrder(tp.id)).toMatchObject({ state: 'closed' });
    expect(await getOrder(sl.id)).toMatchObject({
      state: 'cancelled',
      cancellation_reason: 'bracket_order_triggered',
    });
  });

  it('POST /v2/orders/bracket puts one bracket on an open position; legs go when the position is closed', async () => {
    const none = await signed(px.url, key, 'POST', '/v2/orders/bracket', {
      product_id: 27,
      stop_loss_order: { order_type: 'market_order', stop_price: '58000' },
    });
    expect(code(none)).toBe('no_open_position');
    await place({ size: 2, side: 'sell', order_type: 'market_order' });
    const bracket = {
      product_symbol: 'BTCUSD',
      stop_loss_order: { order_type: 'limit_order', stop_price: '61500', limit_price: '61600' },
      take_profit_order: { order_type: 'market_order', stop_price: '57000' },
      bracket_stop_trigger_method: 'last_traded_price',
    };
    const r = await signed(px.url, key, 'POST', '/v2/orders/bracket', bracket);
    expect(r.status, r.text).toBe(200);
    expect(r.body).toEqual({ success: true });
    expect(code(await signed(px.url, key, 'POST', '/v2/orders/bracket', bracket))).toBe(
      'position_bracket_exist_or_invalid_data',
    );
    const legs = (
      (await signed(px.url, key, 'GET', '/v2/orders', '?product_ids=27&states=pending')).result as Json[]
    ).filter((o) => o.bracket_order);
    legs.sort((x, y) => (x.id as number) - (y.id as number));
    expect(legs.map((l) => [l.stop_order_type, l.side, l.size, l.stop_trigger_method])).toEqual([
      ['stop_loss_order', 'buy', 2, 'last_traded_price'],
      ['take_profit_order', 'buy', 2, 'last_traded_price'],
    ]);
    await place({ size: 2, side: 'buy', order_type: 'market_order', reduce_only: true });
    for (const l of legs) {
      expect(await getOrder(l.id)).toMatchObject({
        state: 'cancelled',
        cancellation_reason: 'position_closed',
      });
    }
  });

  it('PUT /v2/orders/bracket changes the bracket prices a resting entry carries', async () => {
    const entry = (
      await place({
        size: 1,
        side: 'buy',
        order_type: 'limit_order',
        limit_price: '59000',
        bracket_stop_loss_price: '58000',
      })
    ).result;
    const r = await signed(px.url, key, 'PUT', '/v2/orders/bracket', {
      id: entry.id,
      product_id: 27,
      bracket_stop_loss_price: '57500',
      bracket_take_profit_price: '63000',
    });
    expect(r.body).toEqual({ success: true });
    expect(await getOrder(entry.id)).toMatchObject({
      bracket_stop_loss_price: '57500',
      bracket_take_profit_price: '63000',
    });
  });
});
