import type { TStreamFill } from '@delta/contracts';
import { DeltaTradingClient } from '@delta/delta-client';
import { AccountStreams, createVault } from '@delta/portal';
import { AppError } from '@delta/server-kit';
import { MasterKeyring } from '@delta/vault';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sseFrame } from '../src/routes/stream-routes.ts';
import { type Onboarded, onboard } from './runbook-helpers.ts';
import { eventually, exchangeSockets, openSse, type SseClient, sessionCookie } from './sse-client.ts';
import { type Session, type Stack, signIn, startStack } from './stack.ts';

/**
 * The portal core's AccountStreams on the same vault and the real paper exchange (its limit, backpressure and
 * heartbeats), and what the browser is told when the exchange socket drops: `reconnecting`, then `caught_up`, with
 * what happened in the gap delivered by the REST catch-up.
 */
let stack: Stack;
let ops: Session;
let viewer: string;
let acct: Onboarded;
const open: SseClient[] = [];

beforeAll(async () => {
  stack = await startStack();
  ops = await signIn(stack, 'operator');
  viewer = await sessionCookie(stack, 'viewer');
  acct = await onboard(stack, ops, { balance: 50_000 });
}, 120_000);
afterAll(async () => {
  for (const c of open) c.close();
  await stack?.close();
});

describe('the exchange socket drops under a live stream', () => {
  it('pushes reconnecting, then caught_up, and the trade placed in the gap', async () => {
    const s = await openSse(`${stack.ppUrl}/api/credentials/${acct.credentialRef}/stream`, {
      cookie: viewer,
    });
    open.push(s);
    await s.next((e) => e.event === 'snapshot');
    expect(await exchangeSockets(stack, acct.userId)).toBe(1);
    const drop = await fetch(`${stack.paper.url}/_paper/streams/drop`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ account: String(acct.userId) }),
    });
    expect(((await drop.json()) as { dropped: number }).dropped).toBe(1);
    // The same account trades directly on the exchange while the portal reconnects.
    const client = new DeltaTradingClient({
      preset: 'paper',
      baseUrl: stack.paper.url,
      credentials: { apiKey: acct.apiKey, apiSecret: acct.apiSecret },
    });
    const order = await client.placeOrder({
      product_id: 27,
      size: 1,
      side: 'sell',
      order_type: 'market_order',
      client_order_id: 'gap-trade-1',
    });
    const down = await s.next((e) => e.event === 'status' && JSON.parse(e.data).status === 'reconnecting');
    const back = await s.next((e) => e.event === 'status' && JSON.parse(e.data).status === 'caught_up');
    expect(Number(back.id)).toBeGreaterThan(Number(down.id));
    const fill = await s.next((e) => e.event === 'fill');
    expect(JSON.parse(fill.data).fill as TStreamFill).toMatchObject({
      order_id: String(order.id),
      side: 'sell',
      size: 1,
      symbol: 'BTCUSD',
    });
    await s.next((e) => e.event === 'position' && JSON.parse(e.data).position.size === -1);
    // Still one socket for the account, and the stream goes on.
    expect(await exchangeSockets(stack, acct.userId)).toBe(1);
    s.close();
    expect(
      await eventually(
        () => exchangeSockets(stack, acct.userId),
        (n) => n === 0,
      ),
    ).toBe(0);
  }, 30_000);
});

describe('the portal core behind it (AccountStreams on the same vault and exchange)', () => {
  const hub = (o: { maxStreams: number; maxQueue?: number; maxSubscribers?: number }) =>
    new AccountStreams({
      vault: createVault(
        stack.dbs.pp.db,
        'pp',
        new MasterKeyring([{ version: 'v1', key: Buffer.alloc(32, 9) }]),
      ),
      paperUrl: stack.paper.url,
      ...o,
    });

  it('refuses one stream more than its limit (stream_limit_reached, 503 with retry-after)', async () => {
    const streams = hub({ maxStreams: 1 });
    const other = await onboard(stack, ops, { name: 'Second Account' });
    const sub = await streams.subscribe(acct.credentialRef, acct.customerId);
    const refused = await streams.subscribe(other.credentialRef, other.customerId).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({ status: 503, reason: 'stream_limit_reached' });
    expect((refused as AppError).headers['retry-after']).toBe('30');
    // A second subscriber of the same account shares the open stream.
    const again = await streams.subscribe(acct.credentialRef, acct.customerId);
    expect(streams.streamCount).toBe(1);
    sub.close();
    again.close();
    await streams.close();
    // And one subscriber more than the process serves, whatever the account.
    const small = hub({ maxStreams: 5, maxSubscribers: 1 });
    const only = await small.subscribe(acct.credentialRef, acct.customerId);
    await expect(small.subscribe(acct.credentialRef, acct.customerId)).rejects.toMatchObject({
      status: 503,
      reason: 'stream_limit_reached',
    });
    only.close();
    const next = await small.subscribe(acct.credentialRef, acct.customerId);
    next.close();
    await small.close();
  }, 30_000);

  it('drops a subscriber that does not read, with a final slow_consumer event, and releases the socket', async () => {
    const streams = hub({ maxStreams: 5, maxQueue: 3 });
    const sub = await streams.subscribe(acct.credentialRef, acct.customerId);
    expect(sub.backlog).toBe(1); // the snapshot, unread
    const ticker = (await (await fetch(`${stack.paper.url}/v2/tickers/ETHUSD`)).json()) as {
      result: { mark_price: string };
    };
    for (let i = 1; i <= 6 && sub.open; i++) {
      await stack.paper.setMarkPrice('ETHUSD', Number(ticker.result.mark_price) + i);
      await eventually(
        async () => sub.backlog,
        (n) => n > Math.min(i, 3) || !sub.open,
        2_000,
      );
    }
    expect(sub.open).toBe(false);
    const left = [];
    for await (const e of sub) left.push(e);
    expect(left).toEqual([{ type: 'closed', reason: 'slow_consumer' }]);
    expect(streams.streamCount).toBe(0);
    await streams.close();
  }, 30_000);
});

describe('heartbeats', () => {
  it('the core sends heartbeat events on its period; SSE writes them as comments', async () => {
    const streams = new AccountStreams({
      vault: createVault(
        stack.dbs.pp.db,
        'pp',
        new MasterKeyring([{ version: 'v1', key: Buffer.alloc(32, 9) }]),
      ),
      paperUrl: stack.paper.url,
      maxStreams: 5,
      heartbeatMs: 100,
    });
    const sub = await streams.subscribe(acct.credentialRef, acct.customerId);
    const it = sub[Symbol.asyncIterator]();
    expect((await it.next()).value).toMatchObject({ type: 'snapshot' });
    const beat = (await it.next()).value;
    expect(beat).toMatchObject({ type: 'heartbeat' });
    expect(sseFrame(7, beat)).toBe(`: heartbeat ${beat.at_us}\n\n`);
    expect(sseFrame(8, { type: 'status', status: 'reconnecting', reason: null })).toBe(
      'id: 8\nevent: status\ndata: {"type":"status","status":"reconnecting","reason":null}\n\n',
    );
    sub.close();
    await streams.close();
  });
});
