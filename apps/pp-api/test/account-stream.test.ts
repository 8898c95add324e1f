import type { TAccountSnapshotEvent, TStreamFill, TStreamOrder, TStreamPosition } from '@delta/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approve, execute, type Onboarded, onboard } from './runbook-helpers.ts';
import { eventually, exchangeSockets, openSse, type SseClient, sessionCookie } from './sse-client.ts';
import { type Session, type Stack, signIn, startStack } from './stack.ts';

/**
 * The Positions page's push (GET /api/credentials/:ref/stream, Server-Sent Events) against the real paper
 * exchange over HTTP and WebSocket: a snapshot, then the order, fill and position of a trade placed through the
 * approved runbook path, pushed; one exchange socket per credential, released when the last browser leaves.
 */
let stack: Stack;
let ops: Session;
let viewer: string;
let acct: Onboarded;
const open: SseClient[] = [];

async function streamOf(ref: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const c = await openSse(`${stack.ppUrl}/api/credentials/${ref}/stream`, { cookie: viewer, ...headers });
  open.push(c);
  return c;
}

beforeAll(async () => {
  // Heartbeats (and the session and credential checks riding on them) every second.
  stack = await startStack({ ppEnv: { STREAM_HEARTBEAT_MS: '1000' } });
  ops = await signIn(stack, 'operator');
  viewer = await sessionCookie(stack, 'viewer');
  acct = await onboard(stack, ops, { balance: 50_000 });
}, 120_000);
afterAll(async () => {
  for (const c of open) c.close();
  await stack?.close();
});

describe('the live account stream (SSE)', () => {
  it('pushes a snapshot, then the order, fill and position of an approved trade as they happen', async () => {
    const s = await streamOf(acct.credentialRef);
    expect(s.status).toBe(200);
    expect(s.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const cid = s.headers.get('x-correlation-id');
    expect(cid).toBeTruthy();
    const first = await s.next(() => true);
    expect(first.event).toBe('snapshot');
    expect(first.id).toBe('1');
    expect(s.retry).toBe(3000);
    const snap = JSON.parse(first.data) as TAccountSnapshotEvent;
    expect(snap).toMatchObject({ type: 'snapshot', credential_ref: acct.credentialRef, status: 'connected' });
    expect(snap.positions).toEqual([]);
    expect(snap.orders).toEqual([]);
    const usd = snap.balances.find((b) => b.asset_symbol === 'USD');
    expect(Number(usd?.balance)).toBe(50_000);
    const ticker = (await (await fetch(`${stack.paper.url}/v2/tickers/BTCUSD`)).json()) as {
      result: { mark_price: string };
    };
    const btcMark = snap.marks.find((m) => m.symbol === 'BTCUSD');
    expect(Number(btcMark?.mark_price)).toBe(Number(ticker.result.mark_price));
    expect(Number(btcMark?.contract_value)).toBeGreaterThan(0);

    // The opening is on PP's audit chain under the stream's correlation id.
    const audit = await ops.call<{ items: { action: string; outcome: string; target: string }[] }>(
      'GET',
      `/api/audit/records?correlation_id=${cid}&source=pp`,
    );
    expect(audit.status).toBe(200);
    expect(JSON.stringify(audit.body)).toContain('account_stream_open');

    // A trade through the approved runbook path (PP → gateway → Plant → paper exchange).
    const approvalId = await approve(ops, acct, { units: 3 });
    const r = await execute(ops, acct, { units: 3 }, approvalId);
    expect(r.status).toBe(200);
    const ex = r.body.execution as { exchange_order_id: string; average_fill_price: string };

    const orderEv = await s.next(
      (e) => e.event === 'order' && (JSON.parse(e.data).order as TStreamOrder).state === 'closed',
    );
    const order = JSON.parse(orderEv.data).order as TStreamOrder;
    expect(order).toMatchObject({ symbol: 'BTCUSD', side: 'buy', size: 3, unfilled_size: 0 });
    expect(String(order.order_id)).toBe(ex.exchange_order_id);
    expect(Number(order.average_fill_price)).toBe(Number(ex.average_fill_price));

    const fillEv = await s.next((e) => e.event === 'fill');
    const fill = JSON.parse(fillEv.data).fill as TStreamFill;
    expect(fill).toMatchObject({ symbol: 'BTCUSD', side: 'buy', size: 3, order_id: ex.exchange_order_id });
    expect(Number(fill.price)).toBe(Number(ex.average_fill_price));

    const posEv = await s.next(
      (e) => e.event === 'position' && (JSON.parse(e.data).position as TStreamPosition).size === 3,
    );
    const position = JSON.parse(posEv.data).position as TStreamPosition;
    expect(position.symbol).toBe('BTCUSD');
    expect(Number(position.entry_price)).toBe(Number(ex.average_fill_price));
    expect(Number(position.liquidation_price)).toBeGreaterThan(0);
    // The exchange agrees.
    const rest = await ops.call<{
      positions: { product_symbol: string; size: number; entry_price: string }[];
    }>('GET', `/api/credentials/${acct.credentialRef}/account`);
    expect(rest.body.positions).toEqual([
      expect.objectContaining({ product_symbol: 'BTCUSD', size: 3, entry_price: position.entry_price }),
    ]);
    await s.next((e) => e.event === 'margins');

    // A new mark is pushed too.
    await stack.paper.setMarkPrice('BTCUSD', Math.round(Number(ticker.result.mark_price) * 1.01));
    const markEv = await s.next(
      (e) =>
        e.event === 'mark' &&
        JSON.parse(e.data).mark.symbol === 'BTCUSD' &&
        Number(JSON.parse(e.data).mark.mark_price) === Math.round(Number(ticker.result.mark_price) * 1.01),
    );
    expect(Number(markEv.id)).toBeGreaterThan(Number(posEv.id));

    // A browser that reconnects (Last-Event-ID) starts again from a fresh snapshot holding the position.
    const again = await streamOf(acct.credentialRef, { 'last-event-id': markEv.id ?? '' });
    const snap2 = JSON.parse((await again.next(() => true)).data) as TAccountSnapshotEvent;
    expect(snap2.type).toBe('snapshot');
    expect(snap2.positions.map((p) => [p.symbol, p.size])).toEqual([['BTCUSD', 3]]);
    expect(snap2.fills.map((f) => f.fill_id)).toContain(fill.fill_id);
    s.close();
    again.close();
  }, 60_000);

  it('shares one exchange socket per credential and releases it when the last client closes', async () => {
    const pp = stack.apps.pp;
    await eventually(
      () => exchangeSockets(stack, acct.userId),
      (n) => n === 0,
    );
    const a = await streamOf(acct.credentialRef);
    const snap = JSON.parse((await a.next((e) => e.event === 'snapshot')).data) as TAccountSnapshotEvent;
    // A new exchange stream starts from REST: the earlier fill, with its fee.
    expect(snap.fills).toHaveLength(1);
    expect(Number(snap.fills[0]?.fee)).toBeGreaterThan(0);
    const b = await streamOf(acct.credentialRef);
    await b.next((e) => e.event === 'snapshot');
    expect(await exchangeSockets(stack, acct.userId)).toBe(1);
    expect(pp.accountStreams.subscriberCount(acct.credentialRef)).toBe(2);
    expect(pp.accountStreams.streamCount).toBe(1);

    a.close();
    expect(
      await eventually(
        async () => pp.accountStreams.subscriberCount(acct.credentialRef),
        (n) => n === 1,
      ),
    ).toBe(1);
    expect(await exchangeSockets(stack, acct.userId)).toBe(1);

    b.close();
    expect(
      await eventually(
        () => exchangeSockets(stack, acct.userId),
        (n) => n === 0,
      ),
    ).toBe(0);
    expect(pp.accountStreams.streamCount).toBe(0);
    // The closing is audited (reason: the client closed).
    const log = await eventually(
      async () =>
        JSON.stringify(
          (await ops.call('GET', '/api/audit/records?action=account_stream_close&source=pp')).body,
        ),
      (t) => t.includes('client_closed'),
    );
    expect(log).toContain('client_closed');
  }, 30_000);

  it('sends comment heartbeats; signing out ends the stream (session_ended), audited', async () => {
    const cookie = await sessionCookie(stack, 'viewer');
    const s = await openSse(`${stack.ppUrl}/api/credentials/${acct.credentialRef}/stream`, { cookie });
    open.push(s);
    await s.next((e) => e.event === 'snapshot');
    await eventually(
      async () => s.comments,
      (c) => c.some((x) => /^heartbeat \d+$/.test(x)),
    );
    expect(s.comments.some((x) => /^heartbeat \d+$/.test(x))).toBe(true);
    const out = await fetch(`${stack.ppUrl}/api/auth/logout`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(out.status).toBeLessThan(300);
    const closed = await s.next((e) => e.event === 'closed', 5_000);
    expect(JSON.parse(closed.data)).toEqual({ type: 'closed', reason: 'session_ended' });
    await s.ended;
    const log = await eventually(
      async () =>
        JSON.stringify(
          (
            await ops.call(
              'GET',
              `/api/audit/records?correlation_id=${s.headers.get('x-correlation-id')}&source=pp`,
            )
          ).body,
        ),
      (t) => t.includes('account_stream_close'),
    );
    expect(log).toContain('session_ended');
  }, 30_000);

  it('a key revoked while streaming ends the stream (credential_revoked) and releases the socket', async () => {
    const third = await onboard(stack, ops, { name: 'Revoked Later' });
    const s = await streamOf(third.credentialRef);
    await s.next((e) => e.event === 'snapshot');
    expect(await exchangeSockets(stack, third.userId)).toBe(1);
    const rv = await ops.call('POST', `/api/credentials/${third.credentialRef}/revoke`, {});
    expect(rv.status).toBe(200);
    const closed = await s.next((e) => e.event === 'closed', 5_000);
    expect(JSON.parse(closed.data)).toEqual({ type: 'closed', reason: 'credential_revoked' });
    expect(
      await eventually(
        () => exchangeSockets(stack, third.userId),
        (n) => n === 0,
      ),
    ).toBe(0);
  }, 30_000);

  it('refuses before the stream starts: a malformed, unknown or revoked credential, or no session', async () => {
    const malformed = await streamOf('not-a-ref');
    expect(malformed.status).toBe(422);
    expect(malformed.problem).toMatchObject({ reason: 'validation_failed' });
    expect(malformed.problem?.correlation_id).toBeTruthy();

    const extra = await openSse(`${stack.ppUrl}/api/credentials/${acct.credentialRef}/stream?note=1`, {
      cookie: viewer,
    });
    expect(extra.status).toBe(422);
    expect(extra.problem).toMatchObject({ reason: 'validation_failed' });

    const unknown = await streamOf(acct.credentialRef.replace(/.{4}$/, 'zzzz'));
    expect(unknown.status).toBe(404);
    expect(unknown.problem).toMatchObject({ reason: 'credential_not_found' });
    expect(unknown.problem?.correlation_id).toBe(unknown.headers.get('x-correlation-id'));

    const anonymous = await openSse(`${stack.ppUrl}/api/credentials/${acct.credentialRef}/stream`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.problem).toMatchObject({ reason: 'login_required' });

    const other = await onboard(stack, ops, { name: 'Revoked Co' });
    const rv = await ops.call('POST', `/api/credentials/${other.credentialRef}/revoke`, {});
    expect(rv.status).toBe(200);
    const revoked = await streamOf(other.credentialRef);
    expect(revoked.status).toBe(403);
    expect(revoked.problem).toMatchObject({ reason: 'credential_revoked' });
    expect(stack.apps.pp.accountStreams.streamCount).toBe(0);
  }, 30_000);
});

describe('GET /api/markets/:symbol/candles', () => {
  const candles = (path: string) => ops.call<Record<string, unknown>>('GET', path);

  it('answers the exchange’s mark candles for the range asked', async () => {
    const end = Math.floor(Date.now() / 1000);
    const start = end - 3 * 3600;
    const r = await candles(`/api/markets/MARK:BTCUSD/candles?resolution=5m&start=${start}&end=${end}`);
    expect(r.status).toBe(200);
    const direct = (await (
      await fetch(
        `${stack.paper.url}/v2/history/candles?symbol=MARK:BTCUSD&resolution=5m&start=${start}&end=${end}`,
      )
    ).json()) as { result: { time: number; open: number; close: number }[] };
    const got = r.body.candles as { time: number; open: number; close: number }[];
    expect(got.length).toBeGreaterThan(30);
    expect(got.map((c) => [c.time, c.open, c.close])).toEqual(
      direct.result.map((c) => [c.time, c.open, c.close]),
    );
    expect(r.body).toMatchObject({ symbol: 'MARK:BTCUSD', resolution: '5m', start, end });
    // The market of an account's own exchange (here the paper one): the same candles.
    const mine = await candles(
      `/api/markets/MARK:BTCUSD/candles?resolution=5m&start=${start}&end=${end}&credential_ref=${acct.credentialRef}`,
    );
    expect(mine.body.candles).toEqual(r.body.candles);
    // Defaults: 1m over the last 6 hours.
    const d = await candles('/api/markets/MARK:BTCUSD/candles');
    expect(d.status).toBe(200);
    expect((d.body.end as number) - (d.body.start as number)).toBe(6 * 3600);
    // Only a start far back: the latest 2000 candles before now.
    const far = await candles(`/api/markets/MARK:BTCUSD/candles?resolution=1m&start=${end - 10 * 86_400}`);
    expect(far.status).toBe(200);
    expect((far.body.end as number) - (far.body.start as number)).toBe(2000 * 60);
  });

  it('refuses bad input with a problem, never a 500', async () => {
    const end = Math.floor(Date.now() / 1000);
    for (const [path, status, reason] of [
      ['/api/markets/MARK:BTCUSD/candles?resolution=7m', 422, 'validation_failed'],
      [`/api/markets/MARK:BTCUSD/candles?start=${end}&end=${end - 60}`, 422, 'validation_failed'],
      [
        `/api/markets/MARK:BTCUSD/candles?resolution=1m&start=${end - 86_400 * 3}&end=${end}`,
        422,
        'validation_failed',
      ],
      ['/api/markets/MARK:BTCUSD/candles?start=abc', 422, 'validation_failed'],
      [`/api/markets/MARK:BTCUSD/candles?start=${end + 1800}`, 422, 'validation_failed'],
      ['/api/markets/MARK:BTCUSD/candles?end=1400000000', 422, 'validation_failed'],
      ['/api/markets/MARK:BTCUSD/candles?extra=1', 422, 'validation_failed'],
      ['/api/markets/btc%20usd/candles', 422, 'validation_failed'],
      ['/api/markets/ZZZUSD/candles', 404, 'unknown_product'],
      ['/api/markets/MARK:ZZZUSD/candles', 404, 'unknown_product'],
      [
        '/api/markets/BTCUSD/candles?credential_ref=cred_pp_aaaaaaaaaaaaaaaaaaaaaaaaaa',
        404,
        'credential_not_found',
      ],
      ['/api/markets/BTCUSD/candles?environment=india', 422, 'validation_failed'],
    ] as const) {
      const r = await candles(path);
      expect([path, r.status, r.body.reason]).toEqual([path, status, reason]);
      expect(r.body.correlation_id).toBeTruthy();
    }
    const anonymous = await fetch(`${stack.ppUrl}/api/markets/MARK:BTCUSD/candles`);
    expect(anonymous.status).toBe(401);
  });
});
