import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AccountStreamState,
  type AccountUpdate,
  DeltaAccountStream,
  type DeltaTradingClient,
  type FillUpdate,
  type OrderUpdate,
  type PositionUpdate,
} from '../src/index.ts';
import { startCuttableLink, startLossyRelay } from './proxies.ts';
import { clientFor, clientOrderId, type Harness, startHarness } from './support.ts';
import { Collected } from './waiting.ts';

const BTC = 27;
let h: Harness;
let link: Awaited<ReturnType<typeof startCuttableLink>>;
beforeAll(async () => {
  h = await startHarness({ historyDays: 1 });
  link = await startCuttableLink(h.px.port);
  await h.px.setMarkPrice('BTCUSD', 60_000);
});
afterAll(async () => {
  await link?.close();
  await h?.close();
});

const market = (client: DeltaTradingClient, side: 'buy' | 'sell', size: number) =>
  client.placeOrder({
    product_id: BTC,
    size,
    side,
    order_type: 'market_order',
    client_order_id: clientOrderId('m'),
  });
const limit = (client: DeltaTradingClient, price: string) =>
  client.placeOrder({
    product_id: BTC,
    size: 1,
    side: 'buy',
    order_type: 'limit_order',
    limit_price: price,
    client_order_id: clientOrderId('l'),
  });

const fills = (xs: AccountUpdate[]) => xs.filter((u): u is FillUpdate => u.kind === 'fill');
const orders = (xs: AccountUpdate[]) => xs.filter((u): u is OrderUpdate => u.kind === 'order');
const positions = (xs: AccountUpdate[]) => xs.filter((u): u is PositionUpdate => u.kind === 'position');
const lastOf = (xs: OrderUpdate[], id: number) => xs.filter((o) => o.order_id === id).at(-1);

describe('DeltaAccountStream: a dropped connection loses nothing and repeats nothing', () => {
  it('subscribes, receives, loses the link, reconnects, and catches up over REST', async () => {
    const { client, key } = await clientFor(h.px, { balance: 1_000_000 });
    // Before the stream: one fill (history, never reported) and one resting order (in the start state).
    await market(client, 'buy', 2);
    const resting = await limit(client, '50000');

    const stream = new DeltaAccountStream({
      preset: 'paper',
      baseUrl: h.px.url,
      socketUrl: link.wsUrl,
      credentials: { apiKey: key.apiKey, apiSecret: key.apiSecret },
      symbols: ['BTCUSD'],
      reconnect: { baseMs: 20, maxMs: 200 },
    });
    const updates = new Collected<AccountUpdate>();
    const states = new Collected<AccountStreamState>();
    stream.on('update', updates.push);
    stream.on('state', (s) => states.push(s.state));
    await stream.start();
    try {
      // The start state: the resting order and the open position, nothing of the history.
      expect(lastOf(orders(updates.items), resting.id)).toMatchObject({ state: 'open', source: 'snapshot' });
      expect(positions(updates.items).at(-1)).toMatchObject({ size: 2, source: 'snapshot' });
      expect(updates.items.some((u) => u.kind === 'margins')).toBe(true);
      expect(fills(updates.items)).toEqual([]);

      // Live.
      const live = await market(client, 'buy', 3);
      await updates.until((xs) => fills(xs).length === 1, 'the live fill');
      expect(fills(updates.items)[0]).toMatchObject({ order_id: String(live.id), size: 3, source: 'stream' });
      await updates.until((xs) => positions(xs).at(-1)?.size === 5, 'the live position');

      // The link drops; the account keeps changing.
      link.cut();
      await states.until((s) => s.includes('reconnecting'), 'the stream to notice the drop');
      const during = [await market(client, 'buy', 4), await market(client, 'sell', 1)];
      const cancelled = await client.cancelOrder({ id: resting.id, product_id: BTC });
      const restingAgain = await limit(client, '51000');
      link.restore();
      await states.until(
        (s) => s.lastIndexOf('live') > s.indexOf('reconnecting'),
        'live again after the catch-up',
      );

      // And after the reconnect, live again.
      const after = await market(client, 'sell', 2);
      await updates.until((xs) => fills(xs).some((f) => f.order_id === String(after.id)), 'the fill after');
      await updates.until((xs) => positions(xs).at(-1)?.size === 6, 'the final position');

      // Every fill since the start, exactly once, oldest first; the gap's fills came from the catch-up.
      const exchangeFills = (await client.fills({ product_ids: [BTC] })).items.reverse();
      const sinceStart = exchangeFills.filter((f) => f.order_id !== String(exchangeFills[0]!.order_id));
      const told = fills(updates.items);
      expect(told.map((f) => f.fill_id)).toEqual(sinceStart.map((f) => String(f.id)));
      expect(new Set(told.map((f) => f.fill_id)).size).toBe(told.length);
      const gapOrders = new Set(during.map((o) => String(o.id)));
      expect(told.filter((f) => gapOrders.has(f.order_id)).every((f) => f.source === 'catch_up')).toBe(true);

      // Every order ends in the exchange's state; no order state is told twice.
      for (const o of [live, ...during, cancelled, restingAgain, after]) {
        const atExchange = await client.getOrder(o.id);
        expect(lastOf(orders(updates.items), o.id)).toMatchObject({
          state: atExchange.state,
          unfilled_size: atExchange.unfilled_size,
        });
      }
      expect(lastOf(orders(updates.items), resting.id)?.state).toBe('cancelled');
      const states2 = orders(updates.items).map((o) => `${o.order_id}:${o.state}:${o.unfilled_size}`);
      expect(new Set(states2).size).toBe(states2.length);
      const pos = positions(updates.items);
      for (let i = 1; i < pos.length; i++)
        expect(pos[i]!.size !== pos[i - 1]!.size || pos[i]!.entry_price !== pos[i - 1]!.entry_price).toBe(
          true,
        );
      expect(pos.at(-1)?.size).toBe((await client.position(BTC)).size);
      expect(stream.current().orders.map((o) => o.order_id)).toEqual([restingAgain.id]);
      expect(link.accepted()).toBeGreaterThanOrEqual(2);
    } finally {
      await stream.stop();
    }
  });

  it('notices a skipped sequence number on a live connection and fills the hole over REST', async () => {
    const { client, key } = await clientFor(h.px, { balance: 1_000_000 });
    const relay = await startLossyRelay(h.px.wsUrl);
    const stream = new DeltaAccountStream({
      preset: 'paper',
      baseUrl: h.px.url,
      socketUrl: relay.wsUrl,
      credentials: { apiKey: key.apiKey, apiSecret: key.apiSecret },
      channels: { fills: true, orders: false, positions: false, margins: false },
    });
    const updates = new Collected<AccountUpdate>();
    const states = new Collected<string>();
    stream.on('update', updates.push);
    stream.on('state', (s) => states.push(`${s.state}${s.reason ? `:${s.reason}` : ''}`));
    await stream.start();
    try {
      const first = await market(client, 'buy', 1);
      await updates.until((xs) => fills(xs).length === 1, 'the first fill');
      relay.dropNext((text) => text.includes('"v2/user_trades"'));
      const lost = await market(client, 'buy', 2);
      const next = await market(client, 'buy', 3);
      await updates.until((xs) => fills(xs).length === 3, 'the lost fill and the next one');
      expect(relay.dropped()).toBe(1);
      expect(states.items).toContain('catching_up:sequence_gap');
      const told = fills(updates.items);
      expect(told.map((f) => f.order_id)).toEqual([first, lost, next].map((o) => String(o.id)));
      expect(told[1]).toMatchObject({ source: 'catch_up', size: 2 });
      await states.until((s) => s.at(-1) === 'live', 'live again');
    } finally {
      await stream.stop();
      await relay.close();
    }
  });
});
