import { createLogger } from '@delta/server-kit';
import { LogCapture } from '@delta/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type DeltaError,
  DeltaSocket,
  type DeltaSocketOptions,
  DeltaStreamAuthError,
  DeltaStreamSubscriptionError,
  type SocketState,
  type StreamMessage,
  sign,
} from '../src/index.ts';
import { type Harness, startHarness } from './support.ts';
import { Collected } from './waiting.ts';

let h: Harness;
const sockets: DeltaSocket[] = [];
beforeAll(async () => {
  h = await startHarness({ historyDays: 1 });
  await h.px.setMarkPrice('BTCUSD', 60_000);
});
afterEach(async () => {
  await Promise.all(sockets.splice(0).map((s) => s.stop()));
});
afterAll(() => h?.close());

function open(options: Partial<DeltaSocketOptions> = {}) {
  const socket = new DeltaSocket({
    preset: 'paper',
    baseUrl: h.px.url,
    reconnect: { baseMs: 20, maxMs: 200 },
    ...options,
  });
  sockets.push(socket);
  const messages = new Collected<StreamMessage>();
  const errors = new Collected<DeltaError>();
  const states = new Collected<SocketState>();
  socket.on('message', messages.push);
  socket.on('error', errors.push);
  socket.on('state', states.push);
  return { socket, messages, errors, states };
}

describe('DeltaSocket against the paper exchange', () => {
  it('subscribes on the public host and receives typed mark prices', async () => {
    const { socket, messages } = open();
    expect(socket.url).toBe(h.px.publicWsUrl);
    await socket.subscribe([{ name: 'mark_price', symbols: ['MARK:BTCUSD'] }]);
    await socket.start();
    await h.px.setMarkPrice('BTCUSD', 61_000);
    const mark = await messages.first((m) => m.kind === 'mark_price' && m.price === '61000', 'the new mark');
    expect(mark).toMatchObject({ kind: 'mark_price', symbol: 'BTCUSD', timestamp: expect.any(Number) });
  });

  it('key-auths on the private host and refuses a wrong secret or an unknown key with a typed error', async () => {
    const key = await h.px.createApiKey();
    const good = open({ credentials: { apiKey: key.apiKey, apiSecret: key.apiSecret } });
    expect(good.socket.url).toBe(h.px.wsUrl);
    await good.socket.start();
    expect(good.socket.state).toBe('open');

    const secret = `${key.apiSecret}-wrong`;
    const wrong = open({ credentials: { apiKey: key.apiKey, apiSecret: secret } });
    const err = await wrong.socket.start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeltaStreamAuthError);
    expect(err).toMatchObject({ kind: 'authentication', code: 'invalid_signature', status: 401 });
    const text = `${(err as Error).message} ${JSON.stringify(err)} ${(err as Error).stack}`;
    expect(text).not.toContain(secret);
    expect(text).not.toContain(key.apiKey);
    await wrong.states.until((s) => s.includes('stopped'), 'the refused socket to stop');
    expect(wrong.errors.items).toHaveLength(1); // refused once, not retried

    const unknown = open({ credentials: { apiKey: 'no-such-key-000', apiSecret: 'secret-000000000000' } });
    await expect(unknown.socket.start()).rejects.toMatchObject({ code: 'api_key_not_found' });
  });

  it('reports a refused subscription as a typed error and stays up', async () => {
    const { socket, errors } = open();
    await socket.start();
    await socket.subscribe([{ name: 'orders', symbols: ['BTCUSD'] }]);
    const err = await errors.first((e) => e instanceof DeltaStreamSubscriptionError, 'the refusal');
    expect(err).toMatchObject({ channel: 'orders', kind: 'subscription_refused' });
    expect(socket.state).toBe('open');
  });

  it('treats a missing heartbeat as a dead link: reconnects and subscribes again', async () => {
    // The paper exchange heartbeats every 30 s; a client that expects one within 300 ms sees silence.
    const { socket, messages, states } = open({ heartbeatTimeoutMs: 300 });
    const opens: boolean[] = [];
    socket.on('open', (i) => opens.push(i.reconnect));
    await socket.subscribe([{ name: 'mark_price', symbols: ['MARK:BTCUSD'] }]);
    await socket.start();
    await states.until((s) => s.includes('reconnecting'), 'a reconnect after the silence');
    await states.until((s) => s.lastIndexOf('open') > s.indexOf('reconnecting'), 'the socket open again');
    expect(opens.slice(0, 2)).toEqual([false, true]);
    const before = messages.items.length;
    await h.px.setMarkPrice('BTCUSD', 62_000 + opens.length);
    await messages.until(
      (m) => m.slice(before).some((x) => x.kind === 'mark_price'),
      'marks after the reconnect',
    );
  });

  it('logs reconnects and refusals with a masked key, never the key, the secret or a signature', async () => {
    const apiKey = 'CANARYKEY-stream-0123456789';
    const apiSecret = 'CANARY-SECRET-stream-7f3a9c1e5b2d4f6a8c0e';
    await h.px.createApiKey({ apiKey, apiSecret });
    const capture = new LogCapture();
    const logger = createLogger({ service: 'delta-stream-test', level: 'debug', destination: capture });
    const from = Math.floor(Date.now() / 1000) - 5;
    const good = open({ credentials: { apiKey, apiSecret }, logger, heartbeatTimeoutMs: 300 });
    await good.socket.start();
    await good.states.until((s) => s.includes('reconnecting'), 'a reconnect');
    const wrong = open({ credentials: { apiKey, apiSecret: `${apiSecret}x` }, logger });
    await wrong.socket.start().catch(() => undefined);
    await good.socket.stop();
    const logs = capture.text();
    expect(capture.parsed().some((l) => l.api_key_masked === 'CANA****')).toBe(true);
    expect(logs).not.toContain(apiKey);
    expect(logs).not.toContain(apiSecret);
    for (let t = from; t <= Math.floor(Date.now() / 1000) + 5; t++) {
      for (const secret of [apiSecret, `${apiSecret}x`]) {
        const input = { method: 'GET', timestamp: String(t), path: '/live', query: '', body: '' };
        expect(logs).not.toContain(sign(secret, input));
      }
    }
  });
});
