import type { TAccountStreamEvent, TStreamMark, TStreamPosition } from '@delta/contracts';
import { act, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TAccount } from '../api/schemas.ts';
import type { EventSourceCtor } from '../api/use-account-stream.ts';
import { parseHash } from '../lib/hash-route.ts';
import { ACCOUNT_REF, CUSTOMER_ID, credential, renderAs, stubFetch } from '../test-fixtures.tsx';
import PositionsPage from './Positions.tsx';

/**
 * jsdom has no canvas: the chart library is replaced by a recorder of what the page asks it to draw (the
 * candles it starts from, the live updates, the price lines).
 */
const chart = vi.hoisted(() => ({
  data: [] as { time: number; close: number }[],
  updates: [] as { time: number; open: number; high: number; low: number; close: number }[],
  lines: [] as { price: number; title: string }[],
}));
vi.mock('lightweight-charts', () => {
  const series = {
    setData: (d: { time: number; close: number }[]) => {
      chart.data = d;
    },
    update: (b: (typeof chart.updates)[number]) => chart.updates.push(b),
    applyOptions: () => undefined,
    createPriceLine: (l: { price: number; title: string }) => {
      chart.lines.push(l);
      return l;
    },
    removePriceLine: (l: { price: number; title: string }) => {
      chart.lines = chart.lines.filter((x) => x !== l);
    },
  };
  return {
    CandlestickSeries: 'Candlestick',
    LineStyle: { Dashed: 2, Dotted: 1 },
    createChart: () => ({ addSeries: () => series, remove: () => undefined }),
  };
});

/**
 * The browser's EventSource at the boundary: the test plays the server's events, exactly as PP's
 * /api/credentials/:ref/stream sends them (named events, JSON data), and its connection errors.
 */
class FakeEventSource {
  static instances: FakeEventSource[] = [];
  readonly listeners = new Map<string, ((e: MessageEvent) => void)[]>();
  readyState = 0;
  onerror: ((e: Event) => void) | null = null;
  closed = false;
  constructor(
    readonly url: string,
    readonly init?: EventSourceInit,
  ) {
    FakeEventSource.instances.push(this);
  }
  addEventListener(type: string, fn: (e: MessageEvent) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
  }
  close() {
    this.closed = true;
    this.readyState = 2;
  }
  send(e: TAccountStreamEvent) {
    this.readyState = 1;
    const msg = new MessageEvent(e.type, { data: JSON.stringify(e) });
    act(() => {
      for (const fn of this.listeners.get(e.type) ?? []) fn(msg);
    });
  }
  fail(readyState: 0 | 2) {
    this.readyState = readyState;
    act(() => this.onerror?.(new Event('error')));
  }
}

const restAccount: TAccount = {
  credential_ref: ACCOUNT_REF,
  customer_id: CUSTOMER_ID,
  positions: [],
  open_orders: [],
  fills: [],
  marks: [{ symbol: 'BTCUSD', mark_price: '60500', timestamp: 1_765_000_000_000_000 }],
  balances: [{ asset_symbol: 'USD', balance: '10000', available_balance: '10000' }],
  net_equity: '10000',
};

const mark = (price: string): TStreamMark => ({
  symbol: 'BTCUSD',
  mark_price: price,
  timestamp_us: 1_765_000_100_000_000,
  contract_value: '0.001',
});

const position = (size: number): TStreamPosition => ({
  symbol: 'BTCUSD',
  product_id: 27,
  size,
  entry_price: '60000',
  margin: '12',
  liquidation_price: '50000',
  bankruptcy_price: '49000',
  realized_pnl: '0',
  source: 'stream',
});

function backend() {
  return stubFetch({
    'GET /api/customers': () => [200, { items: [{ customer_id: CUSTOMER_ID, display_name: 'Asha' }] }],
    [`GET /api/customers/${CUSTOMER_ID}/credentials`]: () => [200, { items: [credential] }],
    [`GET /api/credentials/${ACCOUNT_REF}/account`]: () => [200, restAccount],
    'GET /api/markets/MARK%3ABTCUSD/candles': () => [
      200,
      {
        symbol: 'MARK:BTCUSD',
        resolution: '1m',
        start: 1_764_978_400,
        end: 1_765_000_000,
        candles: [
          { time: 1_764_999_880, open: 60400, high: 60550, low: 60350, close: 60500, volume: null },
          { time: 1_764_999_940, open: 60500, high: 60600, low: 60450, close: 60550, volume: null },
        ],
      },
    ],
  });
}

const route = parseHash(`#/positions?customer_id=${CUSTOMER_ID}&account=${ACCOUNT_REF}`);
const badge = () => screen.getByRole('status', { name: /Live updates/ });
const positionsTable = () => within(screen.getByRole('region', { name: 'Open positions' }));

describe('Positions page, live', () => {
  let stub: ReturnType<typeof backend>;
  beforeEach(() => {
    FakeEventSource.instances = [];
    chart.data = [];
    chart.updates = [];
    chart.lines = [];
    stub = backend();
    vi.stubGlobal('fetch', stub.fn);
  });
  afterEach(() => vi.unstubAllGlobals());

  it('opens the account stream, renders pushed positions, orders, fills and marks, and shows its status', async () => {
    renderAs(
      'viewer',
      <PositionsPage route={route} eventSource={FakeEventSource as unknown as EventSourceCtor} />,
    );
    // The REST read is the first load; the badge waits for the stream's snapshot.
    expect(await screen.findByText('Flat: no open positions.')).toBeTruthy();
    expect(badge().textContent).toBe('Connecting…');
    const es = FakeEventSource.instances.at(-1)!;
    expect(es.url).toBe(`/api/credentials/${ACCOUNT_REF}/stream`);
    expect(es.init).toEqual({ withCredentials: true });
    // The mark history was asked for (the chart starts from it).
    expect(
      stub.calls.some((c) => c.path.startsWith('/api/markets/MARK%3ABTCUSD/candles?resolution=1m')),
    ).toBe(true);

    es.send({
      type: 'snapshot',
      credential_ref: ACCOUNT_REF,
      status: 'connected',
      positions: [position(2)],
      orders: [],
      fills: [],
      balances: [
        {
          asset_symbol: 'USD',
          balance: '9990',
          available_balance: '9970',
          blocked_margin: null,
          order_margin: null,
          position_margin: null,
          timestamp_us: null,
          source: 'snapshot',
        },
      ],
      marks: [mark('61000')],
      at_us: 1_765_000_100_000_000,
    });
    expect(badge().textContent).toBe('Live');
    const row = () => positionsTable().getByRole('row', { name: /BTCUSD/ });
    expect(within(row()).getByText('$60,000')).toBeTruthy();
    expect(within(row()).getByText('$61,000')).toBeTruthy();
    expect(within(row()).getByText('2.0000')).toBeTruthy(); // (61000 − 60000) × 2 × 0.001
    expect(within(row()).getByText('$50,000')).toBeTruthy();
    expect(screen.getByLabelText('Balances').textContent).toContain('USD 9,990 (available 9,970)');
    expect(screen.getByRole('img', { name: /entry at 60000, liquidation at 50000/ })).toBeTruthy();
    // The chart starts from the mark history, draws entry and liquidation, and the live mark extends it.
    await waitFor(() => expect(chart.data.map((c) => c.time)).toEqual([1_764_999_880, 1_764_999_940]));
    expect(chart.lines.map((l) => [l.title, l.price])).toEqual([
      ['entry', 60000],
      ['liquidation', 50000],
    ]);
    expect(chart.updates.at(-1)).toMatchObject({ time: 1_765_000_080, open: 60550, close: 61000 });

    es.send({
      type: 'order',
      order: {
        order_id: 901,
        client_order_id: null,
        symbol: 'BTCUSD',
        product_id: 27,
        side: 'buy',
        order_type: 'limit_order',
        size: 3,
        unfilled_size: 3,
        state: 'open',
        limit_price: '59000',
        average_fill_price: null,
        cancellation_reason: null,
        updated_at_us: 1_765_000_101_000_000,
        source: 'stream',
      },
    });
    const orders = within(screen.getByRole('region', { name: 'Open orders' }));
    expect(orders.getByText('901')).toBeTruthy();
    expect(orders.getByText('$59,000')).toBeTruthy();

    es.send({
      type: 'fill',
      fill: {
        fill_id: 'f-77',
        order_id: '901',
        client_order_id: null,
        symbol: 'BTCUSD',
        side: 'buy',
        size: 3,
        price: '59000',
        role: 'maker',
        fee: null,
        timestamp_us: 1_765_000_102_000_000,
        source: 'stream',
      },
    });
    es.send({
      type: 'order',
      order: {
        ...{ order_id: 901, client_order_id: null, symbol: 'BTCUSD', product_id: 27, side: 'buy' },
        order_type: 'limit_order',
        size: 3,
        unfilled_size: 0,
        state: 'closed',
        limit_price: '59000',
        average_fill_price: '59000',
        cancellation_reason: null,
        updated_at_us: 1_765_000_102_000_000,
        source: 'stream',
      },
    });
    expect(screen.getByText('No open orders.')).toBeTruthy();
    const fills = within(screen.getByRole('region', { name: 'Recent fills' }));
    expect(fills.getByText('901')).toBeTruthy();

    es.send({ type: 'position', position: { ...position(5), entry_price: '59400' } });
    es.send({ type: 'mark', mark: mark('62000') });
    expect(within(row()).getByText('5')).toBeTruthy();
    expect(within(row()).getByText('$62,000')).toBeTruthy();
    expect(within(row()).getByText('13.0000')).toBeTruthy(); // (62000 − 59400) × 5 × 0.001

    // The exchange stream behind the server drops and comes back.
    es.send({ type: 'status', status: 'reconnecting', reason: 'socket closed' });
    expect(badge().textContent).toBe('Reconnecting…');
    es.send({ type: 'status', status: 'caught_up', reason: null });
    expect(badge().textContent).toBe('Live');

    // A closed position leaves the table.
    es.send({ type: 'position', position: { ...position(0), entry_price: null, liquidation_price: null } });
    expect(screen.getByText('Flat: no open positions.')).toBeTruthy();
  });

  it('falls back to reading the account when the stream is refused for good (stale)', async () => {
    renderAs(
      'viewer',
      <PositionsPage route={route} eventSource={FakeEventSource as unknown as EventSourceCtor} />,
    );
    await screen.findByText('Flat: no open positions.');
    const es = FakeEventSource.instances.at(-1)!;
    const reads = () => stub.calls.filter((c) => c.path === `/api/credentials/${ACCOUNT_REF}/account`).length;
    const before = reads();
    es.fail(0);
    expect(badge().textContent).toBe('Reconnecting…');
    es.fail(2);
    expect(badge().textContent).toBe('Stale: reading every 5 s');
    // Stale: the REST read runs again at once (then every 5 s) and its view is shown.
    await waitFor(() => expect(reads()).toBeGreaterThan(before));
    expect(screen.getByLabelText('Balances').textContent).toContain('USD 10,000');
  });
});
