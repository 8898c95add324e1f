import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import { prehashOf, signatureMatches, timestampFresh } from '../auth.ts';
import { findApiKey } from '../engine/accounts.ts';
import type { PaperExchange } from '../exchange.ts';
import { channelSpec, type Endpoint, invalidSymbols } from './channels.ts';
import { Conn, StreamHub } from './hub.ts';
import { PrivateFeed } from './private-feed.ts';
import { PublicFeed } from './public-feed.ts';

export interface StreamOptions {
  /** Server heartbeat period once a client sends enable_heartbeat (Delta: 30 s). */
  heartbeatMs?: number;
  /** A socket that has neither subscribed nor authenticated by then is closed (Delta: 60 s). */
  idleMs?: number;
  /** Connections per IP per window before a 429 (Delta: 150 per 5 minutes). */
  connectLimit?: { count: number; windowMs: number };
}

const MAX_MESSAGE = 64 * 1024;
const MAX_CHANNELS = 30;
const MAX_SYMBOLS = 100;

type Incoming = { type?: unknown; payload?: unknown };
type ChannelReq = { name?: unknown; symbols?: unknown };

/**
 * Delta's WebSocket API on the exchange's own port: `/` is the private host (key-auth, private channels, legacy
 * public channels), `/public` the public host (compact public channels). Subscriptions, heartbeats, key-auth and
 * the subscription errors follow Delta's documented messages.
 */
export class StreamServer {
  readonly hub = new StreamHub();
  private readonly wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: MAX_MESSAGE,
  });
  private readonly publicFeed: PublicFeed;
  private readonly privateFeed: PrivateFeed;
  private readonly connects = new Map<string, { start: number; n: number }>();
  private readonly offs: (() => void)[] = [];

  constructor(
    private readonly px: PaperExchange,
    private readonly options: StreamOptions = {},
  ) {
    this.publicFeed = new PublicFeed(px, this.hub);
    this.privateFeed = new PrivateFeed(px, this.hub);
    this.offs.push(this.publicFeed.start(), this.privateFeed.start());
    this.offs.push(
      px.systemStatus.onChange((m) => {
        const data = JSON.stringify(m);
        for (const c of this.hub.everyone('system_status')) c.send(data);
      }),
    );
  }

  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.upgrade(req, socket, head),
    );
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const path = (req.url ?? '/').split('?')[0];
    const endpoint: Endpoint | undefined =
      path === '/' ? 'private' : path === '/public' ? 'public' : undefined;
    if (!endpoint) {
      refuse(socket, 404, 'Not Found');
    } else if (!this.admitConnection(req.socket.remoteAddress ?? 'unknown')) {
      refuse(socket, 429, 'Too Many Requests');
    } else {
      this.wss.handleUpgrade(req, socket, head, (ws) => this.connected(ws, endpoint));
    }
  }

  /** Delta: "150 connections every 5 minutes per IP"; beyond, the attempt gets a 429. */
  private admitConnection(ip: string): boolean {
    const limit = this.options.connectLimit ?? { count: 150, windowMs: 300_000 };
    const now = Date.now();
    let w = this.connects.get(ip);
    if (!w || now >= w.start + limit.windowMs) {
      w = { start: now, n: 0 };
      this.connects.set(ip, w);
    }
    w.n++;
    return w.n <= limit.count;
  }

  private connected(ws: WebSocket, endpoint: Endpoint): void {
    const conn = new Conn(ws, endpoint);
    this.hub.add(conn);
    conn.idle = setTimeout(
      () => ws.close(4008, 'no subscription within the allowed time'),
      this.options.idleMs ?? 60_000,
    );
    conn.idle.unref();
    ws.on('message', (data, binary) => this.onMessage(conn, data, binary));
    ws.on('close', () => this.disconnected(conn));
    ws.on('error', () => ws.terminate());
  }

  private disconnected(conn: Conn): void {
    if (conn.heartbeat) clearInterval(conn.heartbeat);
    if (conn.idle) clearTimeout(conn.idle);
    this.hub.remove(conn);
  }

  private onMessage(conn: Conn, data: RawData, binary: boolean): void {
    let msg: Incoming;
    try {
      if (binary) throw new Error('binary');
      msg = JSON.parse(data.toString()) as Incoming;
      if (typeof msg !== 'object' || msg === null || typeof msg.type !== 'string') throw new Error('shape');
    } catch {
      conn.json({ type: 'error', message: 'messages are JSON objects with a "type"' });
      return;
    }
    void this.dispatch(conn, msg).catch((err: unknown) => {
      this.px.logger.warn({ err }, 'stream message failed');
      conn.json({ type: 'error', message: 'internal error' });
    });
  }

  private async dispatch(conn: Conn, msg: Incoming): Promise<void> {
    const payload = (typeof msg.payload === 'object' && msg.payload !== null ? msg.payload : {}) as Record<
      string,
      unknown
    >;
    switch (msg.type) {
      case 'subscribe':
        return this.subscribe(conn, payload.channels);
      case 'unsubscribe':
        return this.unsubscribe(conn, payload.channels);
      case 'key-auth':
        return this.keyAuth(conn, payload);
      case 'auth':
        // Delta retired the old login on 31 December 2025.
        return conn.json({
          type: 'auth',
          success: false,
          status_code: 400,
          status: 'deprecated',
          message: 'The auth method is no longer supported: use key-auth',
        });
      case 'unauth':
        this.dropPrivate(conn);
        this.hub.setAccount(conn, undefined);
        return conn.json({ type: 'unauth', success: true, status_code: 200, status: 'unauthenticated' });
      case 'enable_heartbeat':
        if (conn.heartbeat) clearInterval(conn.heartbeat);
        conn.heartbeat = setInterval(
          () => conn.json({ type: 'heartbeat' }),
          this.options.heartbeatMs ?? 30_000,
        );
        conn.heartbeat.unref();
        return;
      case 'disable_heartbeat':
        if (conn.heartbeat) clearInterval(conn.heartbeat);
        conn.heartbeat = undefined;
        return;
      case 'ping':
        return conn.json({ type: 'pong' });
      default:
        return conn.json({ type: 'error', message: `unknown message type ${String(msg.type).slice(0, 64)}` });
    }
  }

  private keyAuth = async (conn: Conn, p: Record<string, unknown>): Promise<void> => {
    const reply = (success: boolean, status_code: number, status: string, message?: string) =>
      conn.json({ type: 'key-auth', success, status_code, status, ...(message ? { message } : {}) });
    const apiKey = p['api-key'];
    const signature = p.signature;
    const ts = typeof p.timestamp === 'number' ? String(p.timestamp) : p.timestamp;
    if (typeof apiKey !== 'string' || typeof signature !== 'string' || typeof ts !== 'string' || !apiKey) {
      return reply(false, 400, 'incomplete_payload', 'Incomplete payload');
    }
    if (!timestampFresh(ts, Date.now())) {
      return reply(false, 408, 'request_expired', 'Timestamp header outside of allowed time window');
    }
    const key = apiKey.length <= 128 ? await findApiKey(this.px.db, apiKey) : undefined;
    if (!key) return reply(false, 404, 'api_key_not_found', 'ApiKey not found');
    if (!signatureMatches(key.apiSecret, prehashOf('GET', ts, '/live', ''), signature)) {
      return reply(false, 401, 'invalid_signature', 'Invalid Signature');
    }
    if (conn.accountId !== key.accountId) this.dropPrivate(conn);
    this.hub.setAccount(conn, key.accountId);
    if (conn.idle) clearTimeout(conn.idle);
    return reply(true, 200, 'authenticated');
  };

  private dropPrivate(conn: Conn): void {
    for (const channel of [...conn.subs.keys()]) {
      if (channelSpec(channel)?.private) this.hub.unsubscribe(conn, channel);
    }
  }

  private requests(channels: unknown): ChannelReq[] | undefined {
    if (!Array.isArray(channels) || channels.length > MAX_CHANNELS) return undefined;
    return channels.filter((c): c is ChannelReq => typeof c === 'object' && c !== null);
  }

  private async subscribe(conn: Conn, channels: unknown): Promise<void> {
    const reqs = this.requests(channels);
    if (!reqs)
      return conn.json({ type: 'error', message: `payload.channels: an array of at most ${MAX_CHANNELS}` });
    const errors: { name: string; error: string }[] = [];
    const added: [string, string[]][] = [];
    for (const r of reqs) {
      const name = typeof r.name === 'string' ? r.name.slice(0, 64) : '';
      const spec = channelSpec(name);
      const symbols = Array.isArray(r.symbols)
        ? r.symbols.filter((s): s is string => typeof s === 'string')
        : [];
      if (!spec?.endpoints.includes(conn.endpoint)) {
        errors.push({ name, error: `subscription forbidden on ${name}. Invalid channel` });
      } else if (spec.private && !conn.accountId) {
        errors.push({ name, error: `subscription forbidden on ${name}. Unauthorized user` });
      } else if (symbols.length > MAX_SYMBOLS || invalidSymbols(spec, symbols).length > 0) {
        errors.push({
          name,
          error: `invalid symbols for ${name}: ${invalidSymbols(spec, symbols).slice(0, 10)}`,
        });
      } else {
        const keys = spec.symbols === 'none' ? ['*'] : symbols;
        this.hub.subscribe(conn, name, keys);
        added.push([name, keys]);
      }
    }
    if (added.length > 0 && conn.idle) clearTimeout(conn.idle);
    conn.json({ type: 'subscriptions', channels: [...this.current(conn), ...errors] });
    for (const [name, keys] of added) {
      if (name === 'system_status') conn.json(this.px.systemStatus.message('snapshot'));
      else if (channelSpec(name)?.private) await this.privateFeed.snapshot(conn, name, keys);
      else this.publicFeed.snapshot(conn, name, keys);
    }
  }

  private unsubscribe(conn: Conn, channels: unknown): void {
    const reqs = this.requests(channels);
    if (!reqs) {
      conn.json({ type: 'error', message: `payload.channels: an array of at most ${MAX_CHANNELS}` });
      return;
    }
    for (const r of reqs) {
      if (typeof r.name !== 'string') continue;
      const symbols = Array.isArray(r.symbols)
        ? r.symbols.filter((s): s is string => typeof s === 'string')
        : [];
      this.hub.unsubscribe(conn, r.name, symbols);
    }
    conn.json({ type: 'subscriptions', channels: this.current(conn) });
  }

  private current(conn: Conn) {
    return [...conn.subs].map(([name, symbols]) =>
      symbols.has('*') ? { name } : { name, symbols: [...symbols] },
    );
  }

  /** Open sockets per endpoint, and per authenticated account (user id): what a test checks is released. */
  counts(): { private: number; public: number; accounts: Record<string, number> } {
    const out = { private: 0, public: 0, accounts: {} as Record<string, number> };
    for (const c of this.hub.conns) {
      out[c.endpoint]++;
      if (c.accountId) out.accounts[c.accountId] = (out.accounts[c.accountId] ?? 0) + 1;
    }
    return out;
  }

  /** Cuts sockets off as a network failure would (no close handshake): all, or one account's. */
  drop(accountId?: string): number {
    let n = 0;
    for (const c of [...this.hub.conns]) {
      if (accountId !== undefined && c.accountId !== accountId) continue;
      c.ws.terminate();
      n++;
    }
    return n;
  }

  async close(): Promise<void> {
    for (const off of this.offs) off();
    for (const c of this.hub.conns) c.ws.close(1001, 'server shutting down');
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    for (const c of [...this.hub.conns]) {
      c.ws.terminate();
      this.disconnected(c);
    }
  }
}

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
