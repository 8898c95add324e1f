import type { DeltaError } from '../errors.ts';
import { DeltaReadClient } from '../read-client.ts';
import type { DeltaCredentials } from '../transport.ts';
import { AccountBook } from './account-book.ts';
import {
  type AccountUpdate,
  fillFromStream,
  flatPosition,
  marginsFromStream,
  orderFromStream,
  ordersFromSnapshot,
  positionFromStream,
  positionsFromSnapshot,
} from './account-events.ts';
import { type CatchUpResult, catchUp } from './catch-up.ts';
import { Emitter } from './emitter.ts';
import type { StreamMessage } from './messages.ts';
import { type ChannelRequest, DeltaSocket, type DeltaSocketOptions } from './socket.ts';

export interface DeltaAccountStreamOptions extends Omit<DeltaSocketOptions, 'host' | 'credentials'> {
  credentials: DeltaCredentials;
  /** Product symbols to follow (default `["all"]`; Delta sends snapshots only for named symbols). */
  symbols?: string[];
  /** Which private channels (default all four). */
  channels?: { orders?: boolean; fills?: boolean; positions?: boolean; margins?: boolean };
  /** The REST client of the catch-up (default: a read-only client on the same preset, URL and key). */
  client?: DeltaReadClient;
  /** How far before the last update a catch-up looks again: clock skew, updates in flight (default 60 s). */
  catchUpOverlapMs?: number;
  /** Pages of 50 per listing before a catch-up gives up proving completeness and asks for a resync (20). */
  maxCatchUpPages?: number;
}

export type AccountStreamState = 'connecting' | 'catching_up' | 'live' | 'reconnecting' | 'stopped';

export interface DeltaAccountStreamEvents {
  /** Orders, fills, positions and wallets, each at most once and in order (see AccountBook). */
  update: (u: AccountUpdate) => void;
  state: (s: { state: AccountStreamState; reason?: string }) => void;
  /** A refused key-auth (the stream stops), a refused subscription, or a failed catch-up. */
  error: (err: DeltaError | Error) => void;
  /** The catch-up could not prove it saw everything (REST failed, or too much happened): reload the view. */
  resync: (info: { reason: string }) => void;
}

type CatchUpReason = 'start' | 'reconnect' | 'sequence_gap';

/**
 * A customer's account as a stream of updates, with no missed and no duplicated update across reconnects.
 * After every (re)connect — and whenever a per-symbol sequence number skips — socket messages are held back while
 * REST is asked what happened since the last update seen (minus an overlap); REST's answers go first, then the
 * held messages, all through one AccountBook that drops duplicates and stale states.
 */
export class DeltaAccountStream {
  private readonly socket: DeltaSocket;
  private readonly client: DeltaReadClient;
  private readonly book = new AccountBook();
  private readonly events: Emitter<DeltaAccountStreamEvents>;
  private readonly symbols: Set<string> | null;
  private readonly want: { orders: boolean; fills: boolean; positions: boolean; margins: boolean };
  private held: StreamMessage[] = [];
  private catchingUp = false;
  private again: CatchUpReason | undefined;
  private readonly seq = new Map<string, number>();
  private downAtUs: number | null = null;
  private startedAtUs = 0;
  private _state: AccountStreamState = 'connecting';
  private firstLive: { resolve: () => void; reject: (e: Error) => void } | undefined;

  constructor(private readonly options: DeltaAccountStreamOptions) {
    this.socket = new DeltaSocket({ ...options, host: 'private' });
    this.client =
      options.client ??
      new DeltaReadClient({
        preset: options.preset,
        baseUrl: options.baseUrl,
        credentials: options.credentials,
        logger: options.logger,
      });
    this.events = new Emitter((err) =>
      options.logger?.warn({ err: (err as Error)?.name }, 'delta account stream listener threw'),
    );
    const symbols = options.symbols ?? ['all'];
    this.symbols = symbols.includes('all') ? null : new Set(symbols);
    const c = options.channels ?? {};
    this.want = {
      orders: c.orders ?? true,
      fills: c.fills ?? true,
      positions: c.positions ?? true,
      margins: c.margins ?? true,
    };
    const channels: ChannelRequest[] = [];
    if (this.want.orders) channels.push({ name: 'orders', symbols });
    if (this.want.fills) channels.push({ name: 'v2/user_trades', symbols });
    if (this.want.positions) channels.push({ name: 'positions', symbols });
    if (this.want.margins) channels.push({ name: 'margins' });
    void this.socket.subscribe(channels);
    this.socket.on('message', (m) => this.onMessage(m));
    this.socket.on('open', (info) => void this.catchUp(info.reconnect ? 'reconnect' : 'start'));
    this.socket.on('down', () => {
      this.downAtUs = Date.now() * 1000;
      this.seq.clear();
      this.setState('reconnecting');
    });
    this.socket.on('error', (err) => this.events.emit('error', err));
    this.socket.on('state', (s) => {
      if (s === 'stopped') this.setState('stopped');
    });
  }

  get state(): AccountStreamState {
    return this._state;
  }

  on<K extends keyof DeltaAccountStreamEvents>(event: K, listener: DeltaAccountStreamEvents[K]): () => void {
    return this.events.on(event, listener);
  }

  /** The current view (open orders, open positions, wallets): what a newly connected browser gets first. */
  current() {
    return this.book.current();
  }

  /** Resolves once the start state has been delivered and the stream is live; rejects on a refused key. */
  async start(): Promise<void> {
    this.startedAtUs = Date.now() * 1000;
    const live = new Promise<void>((resolve, reject) => {
      this.firstLive = { resolve, reject };
    });
    await this.socket.start();
    await live;
  }

  async stop(): Promise<void> {
    await this.socket.stop();
    this.firstLive?.reject(new Error('stopped before the stream went live'));
    this.firstLive = undefined;
    this.setState('stopped');
  }

  private setState(state: AccountStreamState, reason?: string): void {
    if (this._state === state || this._state === 'stopped') return;
    this._state = state;
    this.events.emit('state', reason ? { state, reason } : { state });
  }

  private onMessage(m: StreamMessage): void {
    if (this.catchingUp || this._state !== 'live') {
      this.held.push(m);
      return;
    }
    this.apply(m);
  }

  private apply(m: StreamMessage): void {
    const numbered =
      m.kind === 'order'
        ? { key: `orders:${m.update.symbol}`, n: m.update.seq_no }
        : m.kind === 'fill'
          ? { key: `fills:${m.trade.sy}`, n: m.trade.se }
          : undefined;
    if (numbered && this.skipped(numbered.key, numbered.n) && !this.catchingUp) {
      // Messages were lost on a live connection: hold this one until REST has filled in what came before it.
      this.held.push(m);
      void this.catchUp('sequence_gap');
      return;
    }
    for (const u of this.updatesOf(m)) this.tell(u);
  }

  private updatesOf(m: StreamMessage): (AccountUpdate | undefined)[] {
    switch (m.kind) {
      case 'order':
        return [this.book.order(orderFromStream(m.update))];
      case 'order_snapshot':
        this.seq.set(`orders:${m.snapshot.symbol}`, m.snapshot.meta.seq_no);
        return ordersFromSnapshot(m.snapshot).map((o) => this.book.order(o));
      case 'fill':
        return [this.book.fill(fillFromStream(m.trade))];
      case 'position':
        return [this.book.position(positionFromStream(m.update))];
      case 'position_snapshot':
        return positionsFromSnapshot(m.snapshot).map((p) => this.book.position(p));
      case 'margins':
        return [this.book.wallet(marginsFromStream(m.margins))];
      default:
        return [];
    }
  }

  /**
   * Delta numbers `orders` and `v2/user_trades` per symbol: a skip means messages were lost. A lower number is a
   * restart of Delta's counters (after maintenance) and starts a new sequence; each connection starts afresh.
   */
  private skipped(key: string, n: number): boolean {
    const last = this.seq.get(key);
    this.seq.set(key, n);
    return last !== undefined && n > last + 1;
  }

  private tell(u: AccountUpdate | undefined): void {
    if (u) this.events.emit('update', u);
  }

  private async catchUp(reason: CatchUpReason): Promise<void> {
    if (this.catchingUp) {
      this.again = reason;
      return;
    }
    this.catchingUp = true;
    this.setState('catching_up', reason);
    const overlapUs = (this.options.catchUpOverlapMs ?? 60_000) * 1000;
    // Exchange times of what was seen, never before the start (the seeded history is older and already known).
    const lastSeen = Math.max(this.book.lastUpdateUs, this.startedAtUs);
    const sinceUs = reason === 'start' ? null : Math.min(lastSeen, this.downAtUs ?? lastSeen) - overlapUs;
    let r: CatchUpResult | undefined;
    try {
      r = await catchUp(this.client, {
        sinceUs,
        knownOpen: this.book.openOrderIds(),
        symbols: this.symbols,
        want: this.want,
        maxPages: this.options.maxCatchUpPages ?? 20,
      });
    } catch (err) {
      this.events.emit('error', err as Error);
      this.events.emit('resync', { reason: 'catch_up_failed' });
    }
    if (r) this.deliver(r);
    if (r?.truncated) this.events.emit('resync', { reason: 'catch_up_truncated' });
    // Everything held back comes after REST's answers, in arrival order, through the same book.
    while (this.held.length > 0) {
      const batch = this.held;
      this.held = [];
      for (const m of batch) this.apply(m);
    }
    this.catchingUp = false;
    this.downAtUs = null;
    const next = this.again;
    this.again = undefined;
    if (next) return this.catchUp(next);
    this.setState('live');
    this.firstLive?.resolve();
    this.firstLive = undefined;
  }

  /**
   * REST's answers. A position or wallet the held socket messages also speak of is left to them: they were
   * sent after the subscription began, so the last of them is at least as new as anything REST saw before it.
   */
  private deliver(r: CatchUpResult): void {
    const spoken = new Set<string>();
    for (const m of this.held) {
      if (m.kind === 'fill') spoken.add(`f:${m.trade.f}`);
      if (m.kind === 'order') spoken.add(`o:${m.update.order_id}`);
      if (m.kind === 'position') spoken.add(`p:${m.update.symbol}`);
      if (m.kind === 'position_snapshot')
        for (const p of positionsFromSnapshot(m.snapshot)) spoken.add(`p:${p.symbol}`);
      if (m.kind === 'margins') spoken.add(`m:${m.margins.asset_symbol}`);
    }
    // The start's "already there" lists may include what happened just after the subscription began: what the
    // held messages tell is news, not history, and is left to them.
    for (const id of r.seed.fills) if (!spoken.has(`f:${id}`)) this.book.seedFill(id);
    for (const o of r.seed.orders) if (!spoken.has(`o:${o.order_id}`)) this.book.seedOrder(o);
    for (const o of r.orders) this.tell(this.book.order(o));
    for (const f of r.fills) this.tell(this.book.fill(f));
    if (r.positions) {
      const open = new Set(r.positions.map((p) => p.symbol));
      const source = r.positions[0]?.source ?? 'catch_up';
      const closed = this.book
        .openPositions()
        .filter((p) => !open.has(p.symbol))
        .map((p) => flatPosition(p.symbol, p.product_id, source));
      for (const p of [...r.positions, ...closed]) {
        if (!spoken.has(`p:${p.symbol}`)) this.tell(this.book.position(p));
      }
    }
    for (const w of r.margins) if (!spoken.has(`m:${w.asset_symbol}`)) this.tell(this.book.wallet(w));
  }
}
