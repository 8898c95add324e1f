import { describe, expect, it } from 'vitest';
import { AccountBook } from './account-book.ts';
import type { FillUpdate, OrderUpdate, PositionUpdate } from './account-events.ts';
import { microsOf } from './account-events.ts';

const order = (o: Partial<OrderUpdate>): OrderUpdate => ({
  kind: 'order',
  source: 'stream',
  order_id: 1,
  client_order_id: 'c1',
  symbol: 'BTCUSD',
  product_id: 27,
  side: 'buy',
  order_type: 'limit_order',
  size: 10,
  unfilled_size: 10,
  state: 'open',
  limit_price: '59000',
  average_fill_price: null,
  cancellation_reason: null,
  updated_at_us: 1_000,
  ...o,
});

const fill = (id: string): FillUpdate => ({
  kind: 'fill',
  source: 'stream',
  fill_id: id,
  order_id: '1',
  client_order_id: null,
  symbol: 'BTCUSD',
  side: 'buy',
  size: 1,
  price: '60000',
  role: 'taker',
  reason: null,
  position_after: null,
  timestamp_us: 5_000,
});

const position = (size: number, entry: string | null = '60000'): PositionUpdate => ({
  kind: 'position',
  source: 'stream',
  symbol: 'BTCUSD',
  product_id: 27,
  size,
  entry_price: entry,
  margin: '6',
  liquidation_price: null,
  bankruptcy_price: null,
  realized_pnl: '0',
});

describe('AccountBook: each state once, never older than what was told', () => {
  it('tells an order state once, whichever source repeats it, and never after a terminal state', () => {
    const b = new AccountBook();
    expect(b.order(order({}))).toBeDefined();
    expect(b.order(order({ source: 'catch_up', limit_price: '59000.0' }))).toBeUndefined(); // same, other spelling
    expect(b.order(order({ unfilled_size: 4, updated_at_us: 2_000 }))).toBeDefined();
    expect(b.order(order({ unfilled_size: 10, updated_at_us: 1_500 }))).toBeUndefined(); // older
    expect(b.order(order({ state: 'closed', unfilled_size: 0, updated_at_us: 3_000 }))).toBeDefined();
    expect(b.order(order({ unfilled_size: 4, updated_at_us: 9_000 }))).toBeUndefined(); // terminal is final
    expect(b.openOrderIds()).toEqual([]);
  });

  it('without times, a fill only lowers the unfilled size', () => {
    const b = new AccountBook();
    b.order(order({ unfilled_size: 3, updated_at_us: null }));
    expect(b.order(order({ unfilled_size: 8, updated_at_us: null }))).toBeUndefined();
    expect(b.order(order({ unfilled_size: 1, updated_at_us: null }))).toBeDefined();
    expect(b.openOrderIds()).toEqual([1]);
  });

  it('tells each fill once; a seeded (pre-existing) fill never', () => {
    const b = new AccountBook();
    b.seedFill('7');
    expect(b.fill(fill('7'))).toBeUndefined();
    expect(b.fill(fill('8'))).toBeDefined();
    expect(b.fill({ ...fill('8'), source: 'catch_up' })).toBeUndefined();
    expect(b.lastUpdateUs).toBe(5_000);
  });

  it('tells a position change once, and a flat product only when it was open', () => {
    const b = new AccountBook();
    expect(b.position(position(0, null))).toBeUndefined();
    expect(b.position(position(5))).toBeDefined();
    expect(b.position({ ...position(5), source: 'catch_up', entry_price: '60000.00' })).toBeUndefined();
    expect(b.position(position(0, null))).toBeDefined();
    expect(b.current().positions).toEqual([]);
  });

  it('prunes the oldest finished orders first', () => {
    const b = new AccountBook({ orders: 3, fills: 10 });
    b.order(order({ order_id: 1 }));
    for (const id of [2, 3, 4]) b.order(order({ order_id: id, state: 'closed', unfilled_size: 0 }));
    expect(b.openOrderIds()).toEqual([1]);
    expect(b.order(order({ order_id: 2, state: 'closed', unfilled_size: 0 }))).toBeDefined(); // forgotten
  });

  it("reads Delta's REST times to the microsecond", () => {
    expect(microsOf('2026-02-01T10:59:34.295899Z')).toBe(Date.parse('2026-02-01T10:59:34Z') * 1000 + 295_899);
    expect(microsOf('2026-02-01T10:59:34Z')).toBe(Date.parse('2026-02-01T10:59:34Z') * 1000);
    expect(microsOf(1_700_000_000_000_123)).toBe(1_700_000_000_000_123);
    expect(microsOf('nope')).toBeNull();
  });
});
