import type { WebSocket } from 'ws';
import type { Endpoint } from './channels.ts';

/** Bytes a slow client may have queued before it is cut off (Delta disconnects clients that cannot keep up). */
export const MAX_BUFFERED = 8 * 1024 * 1024;

/** One socket: where it connected, what it subscribed to, and whose account it speaks for after key-auth. */
export class Conn {
  /** channel → symbols ("all" for all; "*" for channels without symbols). */
  readonly subs = new Map<string, Set<string>>();
  accountId: string | undefined;
  heartbeat: NodeJS.Timeout | undefined;
  idle: NodeJS.Timeout | undefined;

  constructor(
    readonly ws: WebSocket,
    readonly endpoint: Endpoint,
  ) {}

  send(data: Buffer | string): void {
    if (this.ws.readyState !== 1) return;
    if (this.ws.bufferedAmount > MAX_BUFFERED) {
      this.ws.terminate();
      return;
    }
    this.ws.send(data, { binary: false });
  }

  json(message: unknown): void {
    this.send(JSON.stringify(message));
  }
}

const key = (endpoint: Endpoint, channel: string, symbol: string) => `${endpoint}|${channel}|${symbol}`;

/**
 * Who listens to what: an index from (endpoint, channel, symbol) to sockets, so that a message for a product is
 * serialised once and written to exactly its subscribers (those of the symbol and those of "all").
 */
export class StreamHub {
  private readonly index = new Map<string, Set<Conn>>();
  private readonly accounts = new Map<string, Set<Conn>>();
  /** Channels with at least one subscriber, per endpoint (what the feeds bother to compute). */
  private readonly active = new Map<string, number>();
  readonly conns = new Set<Conn>();

  add(conn: Conn): void {
    this.conns.add(conn);
  }

  remove(conn: Conn): void {
    for (const [channel, symbols] of conn.subs) for (const s of symbols) this.drop(conn, channel, s);
    conn.subs.clear();
    this.setAccount(conn, undefined);
    this.conns.delete(conn);
  }

  setAccount(conn: Conn, accountId: string | undefined): void {
    if (conn.accountId) {
      const set = this.accounts.get(conn.accountId);
      set?.delete(conn);
      if (set?.size === 0) this.accounts.delete(conn.accountId);
    }
    conn.accountId = accountId;
    if (accountId) {
      const set = this.accounts.get(accountId) ?? new Set<Conn>();
      this.accounts.set(accountId, set);
      set.add(conn);
    }
  }

  subscribe(conn: Conn, channel: string, symbols: string[]): void {
    const mine = conn.subs.get(channel) ?? new Set<string>();
    conn.subs.set(channel, mine);
    for (const s of symbols) {
      if (mine.has(s)) continue;
      mine.add(s);
      const k = key(conn.endpoint, channel, s);
      const set = this.index.get(k) ?? new Set<Conn>();
      this.index.set(k, set);
      set.add(conn);
      const a = `${conn.endpoint}|${channel}`;
      this.active.set(a, (this.active.get(a) ?? 0) + 1);
    }
  }

  /** Drops the symbols given, or the whole channel without them. */
  unsubscribe(conn: Conn, channel: string, symbols?: string[]): void {
    const mine = conn.subs.get(channel);
    if (!mine) return;
    for (const s of symbols?.length ? symbols : [...mine]) this.drop(conn, channel, s);
    if (mine.size === 0) conn.subs.delete(channel);
  }

  private drop(conn: Conn, channel: string, symbol: string): void {
    const mine = conn.subs.get(channel);
    if (!mine?.delete(symbol)) return;
    const k = key(conn.endpoint, channel, symbol);
    const set = this.index.get(k);
    set?.delete(conn);
    if (set?.size === 0) this.index.delete(k);
    const a = `${conn.endpoint}|${channel}`;
    const n = (this.active.get(a) ?? 1) - 1;
    if (n <= 0) this.active.delete(a);
    else this.active.set(a, n);
  }

  isActive(endpoint: Endpoint, channel: string): boolean {
    return this.active.has(`${endpoint}|${channel}`);
  }

  /** Active channel names of an endpoint (e.g. which candlestick resolutions anyone follows). */
  activeChannels(endpoint: Endpoint): string[] {
    const out: string[] = [];
    for (const k of this.active.keys()) {
      const [e, c] = k.split('|') as [string, string];
      if (e === endpoint) out.push(c);
    }
    return out;
  }

  private audience(endpoint: Endpoint, channel: string, symbol: string): Set<Conn> | undefined {
    const one = this.index.get(key(endpoint, channel, symbol));
    const all = symbol === 'all' ? undefined : this.index.get(key(endpoint, channel, 'all'));
    if (!all?.size) return one;
    if (!one?.size) return all;
    return new Set([...one, ...all]);
  }

  hasAudience(endpoint: Endpoint, channel: string, symbol: string): boolean {
    return (this.audience(endpoint, channel, symbol)?.size ?? 0) > 0;
  }

  /** Serialises once and writes to every subscriber of (channel, symbol) and of (channel, "all"). */
  broadcast(endpoint: Endpoint, channel: string, symbol: string, message: () => unknown): number {
    const to = this.audience(endpoint, channel, symbol);
    if (!to?.size) return 0;
    const data = Buffer.from(JSON.stringify(message()));
    for (const c of to) c.send(data);
    return to.size;
  }

  /** An account's sockets subscribed to a private channel for this symbol (or "all"). */
  accountAudience(accountId: string, channel: string, symbol: string): Conn[] {
    const conns = this.accounts.get(accountId);
    if (!conns) return [];
    return [...conns].filter((c) => {
      const s = c.subs.get(channel);
      return s !== undefined && (s.has(symbol) || s.has('all') || s.has('*'));
    });
  }

  hasAccount(accountId: string): boolean {
    return this.accounts.has(accountId);
  }

  /** Every socket of an endpoint following a channel without symbols (system_status, margins). */
  everyone(channel: string): Conn[] {
    return [...this.conns].filter((c) => c.subs.get(channel)?.has('*'));
  }
}
