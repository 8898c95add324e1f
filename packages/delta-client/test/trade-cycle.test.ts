import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DeltaAuthenticationError,
  DeltaInsufficientMarginError,
  DeltaInvalidOrderError,
  DeltaPermissionError,
} from '../src/index.ts';
import { clientFor, clientOrderId, type Harness, startHarness } from './support.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

const BTC = 27;

describe('full trade cycle through the client', () => {
  it('enters long, sees the position, exits reduce-only, ends flat with PnL equal to the fills', async () => {
    const { client } = await clientFor(h.px, { balance: 10_000 });
    await h.px.setMarkPrice(BTC, 60_000);
    // Leverage is read, never written: no app changes it (the write was removed from the client).
    expect(Number((await client.leverage(BTC)).leverage)).toBeGreaterThan(0);

    const entry = await client.placeOrder({
      product_id: BTC,
      size: 10,
      side: 'buy',
      order_type: 'market_order',
      client_order_id: clientOrderId('enter'),
    });
    expect(entry).toMatchObject({ state: 'closed', unfilled_size: 0, side: 'buy', size: 10 });
    const pos = await client.position(BTC);
    expect(pos.size).toBe(10);
    expect(pos.entry_price).toBe(entry.average_fill_price);
    const [margined] = await client.marginedPositions();
    expect(margined).toMatchObject({ product_id: BTC, product_symbol: 'BTCUSD', size: 10 });

    await h.px.setMarkPrice(BTC, 61_000);
    const [up] = await client.marginedPositions();
    expect(Number(up!.unrealized_pnl)).toBeGreaterThan(0);

    // An exit is what Plant sends: an opposite-side reduce-only market order for the open size.
    const exit = await client.placeOrder({
      product_id: BTC,
      size: pos.size,
      side: 'sell',
      order_type: 'market_order',
      reduce_only: true,
      client_order_id: clientOrderId('exit'),
    });
    expect(exit).toMatchObject({ state: 'closed', side: 'sell', size: 10, reduce_only: true });
    expect((await client.position(BTC)).size).toBe(0);
    expect(await client.marginedPositions()).toEqual([]);

    const fills = (await client.fills({ product_ids: [BTC] })).items;
    const buys = fills.filter((f) => f.side === 'buy');
    const sells = fills.filter((f) => f.side === 'sell');
    const notional = (xs: typeof fills) => xs.reduce((a, f) => a + f.size * Number(f.price), 0);
    const realized = (notional(sells) - notional(buys)) * 0.001;
    const commission = fills.reduce((a, f) => a + Number(f.commission), 0);
    expect(realized).toBeCloseTo((61_000 - 60_000) * 10 * 0.001, -1);
    expect(commission).toBeCloseTo((notional(buys) + notional(sells)) * 0.001 * 0.0005, 6);
    const { balances } = await client.balances();
    const usd = balances.find((b) => b.asset_symbol === 'USD')!;
    expect(Number(usd.balance)).toBeCloseTo(10_000 + realized - commission, 6);
    const history = (await client.orderHistory({ product_ids: [BTC] })).items;
    expect(history.map((o) => o.client_order_id).sort()).toEqual(
      [entry.client_order_id, exit.client_order_id].sort(),
    );
  });

  it('surfaces insufficient margin as a typed error with its context', async () => {
    const { client } = await clientFor(h.px, { balance: 50 });
    await h.px.setMarkPrice(BTC, 60_000);
    const err = await client
      .placeOrder({
        product_id: BTC,
        size: 1000,
        side: 'buy',
        order_type: 'market_order',
        client_order_id: clientOrderId(),
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeltaInsufficientMarginError);
    const e = err as DeltaInsufficientMarginError;
    expect(e.code).toBe('insufficient_margin');
    expect(e.context).toMatchObject({ asset_symbol: 'USD', available_balance: '50' });
    expect(Number(e.context?.required_additional_balance)).toBeGreaterThan(0);
  });

  it('refuses reduce-only on a flat position, and never flips a position', async () => {
    const { client } = await clientFor(h.px);
    const flat = await client
      .placeOrder({
        product_id: BTC,
        size: 1,
        side: 'sell',
        order_type: 'market_order',
        reduce_only: true,
        client_order_id: clientOrderId(),
      })
      .catch((e: unknown) => e);
    expect(flat).toBeInstanceOf(DeltaInvalidOrderError);
    expect((flat as DeltaInvalidOrderError).code).toBe('no_position_for_reduce_only');

    await client.placeOrder({
      product_id: BTC,
      size: 5,
      side: 'buy',
      order_type: 'market_order',
      client_order_id: clientOrderId(),
    });
    const over = await client.placeOrder({
      product_id: BTC,
      size: 8,
      side: 'sell',
      order_type: 'market_order',
      reduce_only: true,
      client_order_id: clientOrderId(),
    });
    expect(over.size).toBe(5);
    expect((await client.position(BTC)).size).toBe(0);
  });

  it('rests a limit order until the market crosses it, and cancels idempotently', async () => {
    const { client } = await clientFor(h.px);
    await h.px.setMarkPrice(BTC, 60_000);
    const resting = await client.placeOrder({
      product_id: BTC,
      size: 2,
      side: 'buy',
      order_type: 'limit_order',
      limit_price: '59000',
      client_order_id: clientOrderId('lim'),
    });
    expect(resting.state).toBe('open');
    expect((await client.openOrders({ product_ids: [BTC] })).map((o) => o.id)).toContain(resting.id);
    await h.px.setMarkPrice(BTC, 58_900);
    const filled = await client.getOrder(resting.id);
    expect(filled).toMatchObject({ state: 'closed', unfilled_size: 0, average_fill_price: '59000' });
    expect((await client.position(BTC)).size).toBe(2);

    const other = await client.placeOrder({
      product_id: BTC,
      size: 1,
      side: 'buy',
      order_type: 'limit_order',
      limit_price: '50000',
      client_order_id: clientOrderId('lim'),
    });
    const cancelled = await client.cancelOrder({ id: other.id, product_id: BTC });
    expect(cancelled.state).toBe('cancelled');
    expect((await client.cancelOrder({ id: other.id, product_id: BTC })).state).toBe('cancelled');
    await expect(client.cancelOrder({ id: filled.id, product_id: BTC })).rejects.toMatchObject({
      code: 'open_order_not_found',
    });
  });

  it('keeps client ids unique per account: a repeat returns the order, a different intent is refused', async () => {
    const { client } = await clientFor(h.px);
    const cid = clientOrderId('dup');
    const input = {
      product_id: BTC,
      size: 1,
      side: 'buy' as const,
      order_type: 'market_order' as const,
      client_order_id: cid,
    };
    const first = await client.placeOrder(input);
    const again = await client.placeOrder(input);
    expect(again.id).toBe(first.id);
    await expect(client.placeOrder({ ...input, side: 'sell' })).rejects.toMatchObject({
      code: 'duplicate_client_order_id',
    });
    expect(await h.px.ordersByClientId(cid)).toHaveLength(1);
    const tooLong = await client
      .placeOrder({ ...input, client_order_id: 'x'.repeat(33) })
      .catch((e: unknown) => e);
    expect(tooLong).toBeInstanceOf(DeltaInvalidOrderError);
  });

  it('maps auth and permission failures to typed errors', async () => {
    const { client: reader } = await clientFor(h.px, { permissions: ['read'] });
    expect((await reader.profile()).id).toBeGreaterThan(0);
    await expect(
      reader.placeOrder({
        product_id: BTC,
        size: 1,
        side: 'buy',
        order_type: 'market_order',
        client_order_id: clientOrderId(),
      }),
    ).rejects.toBeInstanceOf(DeltaPermissionError);
    const { client: wrong } = await clientFor(h.px, {
      credentials: { apiKey: 'unknown-key', apiSecret: 'nope' },
    });
    await expect(wrong.profile()).rejects.toBeInstanceOf(DeltaAuthenticationError);
  });

  it('parses products and tickers', async () => {
    const { client } = await clientFor(h.px);
    const products = await client.products();
    expect(products.map((p) => p.id).sort((a, b) => a - b)).toEqual([27, 3136]);
    expect((await client.product('ETHUSD')).contract_value).toBe('0.01');
    expect((await client.ticker('BTCUSD'))?.product_id).toBe(27);
    expect(await client.ticker('NOPE')).toBeNull();
    expect((await client.tickers()).length).toBe(2);
  });
});
