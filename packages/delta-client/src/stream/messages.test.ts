import { describe, expect, it } from 'vitest';
import { DeltaConfigError } from '../presets.ts';
import { resolveSocketUrl } from './hosts.ts';
import { parseStreamMessage } from './messages.ts';
import { Subscriptions } from './subscriptions.ts';

const parse = (m: unknown) => parseStreamMessage(JSON.stringify(m));

describe("Delta's socket messages, parsed", () => {
  it('reads an order update, a compact fill and a key-auth answer in the documented shapes', () => {
    const order = parse({
      type: 'orders',
      action: 'update',
      reason: 'fill',
      symbol: 'BTCUSD',
      product_id: 27,
      order_id: 1234,
      client_order_id: '',
      size: 100,
      unfilled_size: 55,
      average_fill_price: '8999.00',
      limit_price: '9000.00',
      side: 'buy',
      cancellation_reason: null,
      state: 'open',
      seq_no: 1,
      timestamp: 1594105083998848,
    });
    expect(order).toMatchObject({
      kind: 'order',
      update: { order_id: 1234, client_order_id: null, seq_no: 1 },
    });
    const trade = parse({
      type: 'v2/user_trades',
      sy: 'BTCUSD',
      f: '1234-abcd-qwer-3456',
      R: 'normal',
      u: 1998,
      o: 3283999,
      S: 'buy',
      s: 190,
      p: '17289.2',
      po: 5,
      r: 'taker',
      c: 'GA123',
      t: 1685794274866438,
      se: 4,
    });
    expect(trade).toMatchObject({ kind: 'fill', trade: { f: '1234-abcd-qwer-3456', o: '3283999', po: 5 } });
    expect(
      parse({ type: 'key-auth', success: false, status_code: 401, status: 'invalid_signature' }),
    ).toMatchObject({
      kind: 'key-auth',
      reply: { success: false, status: 'invalid_signature' },
    });
  });

  it('normalises the public channels of both hosts', () => {
    expect(parse({ type: 'mark_price', sy: 'MARK:BTCUSD', p: '61000', ts: 1 })).toEqual({
      kind: 'mark_price',
      symbol: 'BTCUSD',
      price: '61000',
      timestamp: 1,
    });
    expect(parse({ type: 'mark_price', symbol: 'MARK:BTCUSD', price: '61000', timestamp: 2 })).toMatchObject({
      symbol: 'BTCUSD',
      timestamp: 2,
    });
    expect(
      parse({ type: 'candlestick_1m', sy: 'MARK:BTCUSD', res: '1m', o: 1, h: 2, l: 0.5, c: 1.5, ts: 3 }),
    ).toMatchObject({ kind: 'candle', symbol: 'MARK:BTCUSD', volume: null, close: 1.5 });
  });

  it('never passes on a malformed message, and says which field, not what value', () => {
    const bad = parse({ type: 'orders', action: 'update', symbol: 'BTCUSD', order_id: 'x', secret: 'zzz' });
    expect(bad.kind).toBe('invalid');
    expect(JSON.stringify(bad)).not.toContain('zzz');
    expect(parseStreamMessage('{not json').kind).toBe('invalid');
    expect(parse({ type: 'ob_l2', a: [] })).toMatchObject({ kind: 'other', type: 'ob_l2' });
  });
});

describe('socket hosts', () => {
  it("uses Delta's public and private hosts per environment, and the paper exchange's own port", () => {
    expect(resolveSocketUrl('india', 'private')).toBe('wss://socket.india.delta.exchange');
    expect(resolveSocketUrl('india', 'public')).toBe('wss://public-socket.india.delta.exchange');
    expect(resolveSocketUrl('india-testnet', 'private')).toBe('wss://socket-ind.testnet.deltaex.org');
    expect(resolveSocketUrl('india-testnet', 'public')).toBe('wss://socket-ind-pub.testnet.deltaex.org');
    expect(resolveSocketUrl('paper', 'private', { baseUrl: 'http://127.0.0.1:8400' })).toBe(
      'ws://127.0.0.1:8400/',
    );
    expect(resolveSocketUrl('paper', 'public', { baseUrl: 'http://127.0.0.1:8400' })).toBe(
      'ws://127.0.0.1:8400/public',
    );
    expect(() => resolveSocketUrl('india', 'private', { socketUrl: 'ws://127.0.0.1:1/' })).toThrow(
      DeltaConfigError,
    );
    expect(() => resolveSocketUrl('paper', 'private', { socketUrl: 'wss://socket.delta.exchange' })).toThrow(
      /Global/,
    );
  });

  it('remembers what to replay after a reconnect, and sends only what is new', () => {
    const s = new Subscriptions();
    expect(s.add([{ name: 'orders', symbols: ['BTCUSD'] }, { name: 'margins' }])).toHaveLength(2);
    expect(s.add([{ name: 'orders', symbols: ['BTCUSD', 'ETHUSD'] }])).toEqual([
      { name: 'orders', symbols: ['ETHUSD'] },
    ]);
    expect(s.remove([{ name: 'orders', symbols: ['BTCUSD'] }])).toEqual([
      { name: 'orders', symbols: ['BTCUSD'] },
    ]);
    expect(s.all()).toEqual([{ name: 'orders', symbols: ['ETHUSD'] }, { name: 'margins' }]);
  });
});
