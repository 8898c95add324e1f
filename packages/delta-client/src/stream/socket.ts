import type { Logger } from 'pino';
import WebSocket from 'ws';
import type { DeltaError } from '../errors.ts';
import type { DeltaPreset } from '../presets.ts';
import { maskKey, sign, unixSeconds } from '../signing.ts';
import type { DeltaCredentials } from '../transport.ts';
import { Emitter } from './emitter.ts';
import { DeltaStreamAuthError, DeltaStreamSubscriptionError } from './errors.ts';
import { resolveSocketUrl, type SocketHost } from './hosts.ts';
import { parseStreamMessage, type StreamMessage } from './messages.ts';
import { type ChannelRequest, Subscriptions } from './subscriptions.ts';

export type { ChannelRequest } from './subscriptions.ts';

export interface DeltaSocketOptions {
  preset: DeltaPreset;
  /** Default: `private` with credentials (key-auth, private channels), `public` without. */
  host?: SocketHost;
  /** The paper exchange's REST URL; its socket URL follows from it. */
  baseUrl?: string;
  /** Paper preset only: an explicit socket URL (e.g. a proxy in front of the paper exchange). */
  socketUrl?: string;
  credentials?: DeltaCredentials;
  logger?: Logger;
  userAgent?: string;
  /** Delta heartbeats every 30 s once enabled and advises reconnecting after 35 s of silence (default 35 s). */
  heartbeatTimeoutMs?: number;
  /** Longest wait to open the socket, for the key-auth answer and for each subscription answer (default 10 s). */
  replyTimeoutMs?: number;
  reconnect?: {
    /** First backoff step; doubles per failed attempt, full jitter (default 500 ms). */
    baseMs?: number;
    /** Backoff cap (default 30 s; also the wait after a 429 — Delta allows 150 connections per 5 min per IP). */
    maxMs?: number;
    /** A connection that lasted this long resets the backoff (default 30 s), so a flapping link backs off. */
    stableAfterMs?: number;
  };
}

export type SocketState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'stopped';

export interface DeltaSocketEvents {
  /** Every data message (control messages — acks, heartbeats, key-auth — are handled here). */
  message: (m: StreamMessage) => void;
  /** Connected, authenticated (private host) and subscribed to every channel asked for so far. */
  open: (info: { reconnect: boolean; connection: number }) => void;
  /** The connection is gone; a reconnect follows unless the socket was stopped or the failure is fatal. */
  down: (info: { code: number; reason: string }) => void;
  state: (state: SocketState) => void;
  /** A key-auth refusal (fatal: the socket stops) or a refused subscription (the connection stays up). */
  error: (err: DeltaError) => void;
}

type Waiter = {
  kind: 'key-auth' | 'subscriptions';
  resolve: (m: StreamMessage) => void;
  reject: (e: Error) => void;
};

class ConnectionLost extends Error {}

/**
 * One logical connection to a Delta socket host that stays up: key-auth on the private host (signature over
 * `GET` + timestamp + `/live`), `enable_heartbeat` with a watchdog (silence means the link is dead: reconnect),
 * reconnect with jittered exponential backoff, and every subscription replayed after a reconnect. Messages are
 * parsed (`StreamMessage`) before anyone sees them. Nothing secret is logged or put in an error.
 */
export class DeltaSocket {
  readonly url: string;
  private readonly events: Emitter<DeltaSocketEvents>;
  private readonly subs = new Subscriptions();
  private readonly opts: Required<Pick<DeltaSocketOptions, 'heartbeatTimeoutMs' | 'replyTimeoutMs'>> & {
    baseMs: number;
    maxMs: number;
    stableAfterMs: number;
  };
  private ws: WebSocket | undefined;
  private waiters: Waiter[] = [];
  private watchdog: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private connections = 0;
  private openedAt = 0;
  private nextDelayFloor = 0;
  private stopped = false;
  private fatal: DeltaError | undefined;
  private started: { resolve: () => void; reject: (e: Error) => void } | undefined;
  private _state: SocketState = 'idle';

  constructor(private readonly options: DeltaSocketOptions) {
    const host = options.host ?? (options.credentials ? 'private' : 'public');
    this.url = resolveSocketUrl(options.preset, host, options);
    this.events = new Emitter((err) =>
      options.logger?.warn({ err: (err as Error)?.name }, 'delta stream listener threw'),
    );
    this.opts = {
      heartbeatTimeoutMs: options.heartbeatTimeoutMs ?? 35_000,
      replyTimeoutMs: options.replyTimeoutMs ?? 10_000,
      baseMs: options.reconnect?.baseMs ?? 500,
      maxMs: options.reconnect?.maxMs ?? 30_000,
      stableAfterMs: options.reconnect?.stableAfterMs ?? 30_000,
    };
  }

  get state(): SocketState {
    return this._state;
  }

  on<K extends keyof DeltaSocketEvents>(event: K, listener: DeltaSocketEvents[K]): () => void {
    return this.events.on(event, listener);
  }

  /** Connects; resolves once open (authenticated, subscribed), rejects on a fatal error such as a refused key. */
  start(): Promise<void> {
    if (this._state !== 'idle') throw new Error('a DeltaSocket starts once');
    const done = new Promise<void>((resolve, reject) => {
      this.started = { resolve, reject };
    });
    void this.connect();
    return done;
  }

  /** Subscribes now when open (resolving with the exchange's answer), and after every reconnect. */
  async subscribe(channels: ChannelRequest[]): Promise<void> {
    const added = this.subs.add(channels);
    if (added.length === 0 || this._state !== 'open') return;
    await this.request('subscribe', added).catch((err: unknown) => {
      if (!(err instanceof ConnectionLost)) throw err; // replayed after the reconnect
    });
  }

  async unsubscribe(channels: ChannelRequest[]): Promise<void> {
    const removed = this.subs.remove(channels);
    if (removed.length === 0 || this._state !== 'open') return;
    await this.request('unsubscribe', removed).catch((err: unknown) => {
      if (!(err instanceof ConnectionLost)) throw err;
    });
  }

  /** Closes for good (no reconnect). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const ws = this.ws;
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        ws.once('close', () => resolve());
        ws.close(1000, 'client stopping');
        // A peer that does not answer the close handshake is cut off.
        setTimeout(() => ws.terminate(), 1_000).unref();
      });
    }
    this.setState('stopped');
    this.started?.reject(new Error('stopped before the stream opened'));
    this.started = undefined;
  }

  private setState(state: SocketState): void {
    if (this._state === state) return;
    this._state = state;
    this.events.emit('state', state);
  }

  private log(): Record<string, unknown> {
    const key = this.options.credentials?.apiKey;
    return { url: this.url, connection: this.connections, ...(key ? { api_key_masked: maskKey(key) } : {}) };
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    this.setState(this.connections === 0 ? 'connecting' : 'reconnecting');
    this.connections++;
    const ws = new WebSocket(this.url, {
      headers: { 'User-Agent': this.options.userAgent ?? 'delta-agent-platform/0.1 (delta-client)' },
      handshakeTimeout: this.opts.replyTimeoutMs,
      perMessageDeflate: false,
    });
    this.ws = ws;
    ws.on('message', (data, binary) => this.onFrame(binary ? '' : data.toString()));
    ws.on('error', (err) => {
      // A refused upgrade (e.g. 429 over Delta's connection limit) reads "Unexpected server response: 429".
      if (/\b429\b/.test(err.message)) this.nextDelayFloor = this.opts.maxMs;
      this.options.logger?.debug({ ...this.log(), error: err.message }, 'delta stream socket error');
    });
    ws.on('close', (code, reason) => this.onClose(ws, code, reason.toString().slice(0, 120)));
    try {
      await new Promise<void>((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('close', () => reject(new ConnectionLost('closed before open')));
      });
      this.armWatchdog();
      if (this.options.credentials) await this.keyAuth(this.options.credentials);
      this.send({ type: 'enable_heartbeat' });
      const all = this.subs.all();
      if (all.length > 0) await this.request('subscribe', all);
      this.openedAt = Date.now();
      this.setState('open');
      this.options.logger?.info(this.log(), 'delta stream open');
      this.events.emit('open', { reconnect: this.connections > 1, connection: this.connections });
      this.started?.resolve();
      this.started = undefined;
    } catch (err) {
      if (err instanceof DeltaStreamAuthError) {
        this.fatal = err;
        this.events.emit('error', err);
        this.started?.reject(err);
        this.started = undefined;
      }
      // Anything else (closed, timed out) is transient: the close handler schedules the reconnect.
      if (ws.readyState !== WebSocket.CLOSED) ws.terminate();
    }
  }

  private async keyAuth(creds: DeltaCredentials): Promise<void> {
    const timestamp = unixSeconds();
    const signature = sign(creds.apiSecret, { method: 'GET', timestamp, path: '/live', query: '', body: '' });
    const reply = await this.ask('key-auth', () =>
      this.send({ type: 'key-auth', payload: { 'api-key': creds.apiKey, signature, timestamp } }),
    );
    if (reply.kind !== 'key-auth' || reply.reply.success) return;
    const r = reply.reply;
    throw new DeltaStreamAuthError(
      `Delta refused key-auth on the socket: ${r.status ?? 'refused'}${r.message ? ` (${r.message.slice(0, 120)})` : ''}`,
      { code: r.status, status: r.status_code, method: 'key-auth', path: '/live' },
    );
  }

  /** Sends a subscribe/unsubscribe and waits for Delta's `subscriptions` answer; reports refused channels. */
  private async request(type: 'subscribe' | 'unsubscribe', channels: ChannelRequest[]): Promise<void> {
    const ack = await this.ask('subscriptions', () => this.send({ type, payload: { channels } }));
    if (ack.kind !== 'subscriptions') return;
    for (const c of ack.channels) {
      if (c.error) this.events.emit('error', new DeltaStreamSubscriptionError(c.name, c.error.slice(0, 200)));
    }
  }

  /** Answers arrive in the order of the requests on one socket, so waiters are served first in, first out. */
  private ask(kind: Waiter['kind'], send: () => void): Promise<StreamMessage> {
    return new Promise<StreamMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new ConnectionLost(`no ${kind} answer`));
        this.ws?.terminate(); // an exchange that does not answer is treated as a dead link
      }, this.opts.replyTimeoutMs);
      const waiter: Waiter = {
        kind,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.waiters.push(waiter);
      send();
    });
  }

  private send(message: unknown): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  private armWatchdog(): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => {
      this.options.logger?.warn(this.log(), 'delta stream silent past the heartbeat window: reconnecting');
      this.ws?.terminate();
    }, this.opts.heartbeatTimeoutMs);
    this.watchdog.unref();
  }

  private onFrame(text: string): void {
    this.armWatchdog(); // any frame proves the link is alive
    const m = parseStreamMessage(text);
    if (m.kind === 'key-auth' || m.kind === 'subscriptions') {
      const i = this.waiters.findIndex((w) => w.kind === m.kind);
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(m);
      return;
    }
    if (m.kind === 'heartbeat' || m.kind === 'pong') return;
    if (m.kind === 'invalid') {
      this.options.logger?.warn(
        { ...this.log(), type: m.type, issues: m.issues },
        'delta stream message refused',
      );
    }
    this.events.emit('message', m);
  }

  private onClose(ws: WebSocket, code: number, reason: string): void {
    if (ws !== this.ws) return;
    if (this.watchdog) clearTimeout(this.watchdog);
    for (const w of this.waiters.splice(0)) w.reject(new ConnectionLost(`closed (${code})`));
    const wasOpen = this._state === 'open';
    if (wasOpen) this.events.emit('down', { code, reason });
    if (this.stopped || this.fatal) {
      this.setState('stopped');
      return;
    }
    // A connection that stayed up a while starts the backoff over; a flapping one keeps backing off.
    if (wasOpen && Date.now() - this.openedAt >= this.opts.stableAfterMs) this.attempt = 0;
    const cap = Math.min(this.opts.maxMs, this.opts.baseMs * 2 ** Math.min(this.attempt, 16));
    const delay = Math.max(this.nextDelayFloor, Math.random() * cap);
    this.attempt++;
    this.nextDelayFloor = 0;
    this.options.logger?.info(
      { ...this.log(), code, reason, delay_ms: Math.round(delay) },
      'delta stream down',
    );
    this.setState('reconnecting');
    this.retryTimer = setTimeout(() => void this.connect(), delay);
  }
}
