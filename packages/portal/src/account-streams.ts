import type {
  TAccountSnapshotEvent,
  TAccountStreamEvent,
  TStreamCloseReason,
  TStreamFill,
  TStreamStatus,
} from '@delta/contracts';
import {
  type AccountUpdate,
  DeltaAccountStream,
  type DeltaAccountStreamOptions,
  DeltaAuthenticationError,
  DeltaError,
  fillFromRest,
} from '@delta/delta-client';
import { AppError, type Logger, problem } from '@delta/server-kit';
import { AccountSubscription } from './account-subscription.ts';
import { accountClient, CredentialRefused, openCredential } from './exchange-account.ts';
import { MarketFeed } from './market-feed.ts';
import type { Vault } from './vault.ts';

export { AccountSubscription } from './account-subscription.ts';

export interface AccountStreamsOptions {
  vault: Vault;
  /** The paper exchange's URL (credentials of the paper environment). */
  paperUrl: string;
  /** Exchange account streams this process keeps open at once; one more is refused (`stream_limit_reached`). */
  maxStreams: number;
  /** Subscribers (open browser streams) this process serves at once, all accounts together (default 1000). */
  maxSubscribers?: number;
  /** Events a subscriber may fall behind before it is dropped (default 1000). */
  maxQueue?: number;
  /** Heartbeat event period per subscriber (default 15 s). */
  heartbeatMs?: number;
  /** How many recent fills a snapshot carries (default 20). */
  recentFills?: number;
  /** Longest wait for an account stream to go live before the subscriber is refused (default 15 s). */
  startTimeoutMs?: number;
  logger?: Logger;
  /**
   * Marks pushed besides those of the account's positions and orders (default BTCUSD, ETHUSD: the agent's
   * coins). Delta lists hundreds of perpetuals; a browser needs only these.
   */
  markSymbols?: string[];
  /** Socket tuning (tests shorten the reconnect backoff). */
  socket?: Pick<DeltaAccountStreamOptions, 'reconnect' | 'heartbeatTimeoutMs' | 'replyTimeoutMs'>;
}

/** One exchange account followed live: one private socket, shared by every subscriber of the credential. */
interface Entry {
  credentialRef: string;
  stream: DeltaAccountStream | undefined;
  market: MarketFeed | undefined;
  subs: Set<AccountSubscription>;
  /** Subscribers still waiting for the start: the entry is not closed under them. */
  joining: number;
  fills: TStreamFill[];
  /** Symbols whose marks this account's subscribers get. */
  watch: Set<string>;
  status: TStreamStatus;
  ready: Promise<void>;
  offs: (() => void)[];
  heartbeat: NodeJS.Timeout | undefined;
  closing: boolean;
}

const fillOf = (
  f: {
    fill_id: string;
    order_id: string;
    client_order_id: string | null;
    symbol: string;
    side: 'buy' | 'sell';
    size: number;
    price: string;
    role: string;
    timestamp_us: number;
    source: TStreamFill['source'];
  },
  fee: string | null = null,
): TStreamFill => ({
  fill_id: f.fill_id,
  order_id: f.order_id,
  client_order_id: f.client_order_id,
  symbol: f.symbol,
  side: f.side,
  size: f.size,
  price: f.price,
  role: f.role,
  fee,
  timestamp_us: f.timestamp_us,
  source: f.source,
});

/**
 * The portal's live account streams (PP today, CP next): per credential one `DeltaAccountStream` opened with the
 * keys from the vault (they stay in this process), shared by all its subscribers and closed when the last one
 * leaves, plus the exchange's public marks. A subscriber gets a `snapshot` first, then `position`, `order`,
 * `fill`, `margins`, `mark` and `status` deltas and `heartbeat`s; see AccountSubscription for backpressure.
 */
export class AccountStreams {
  private readonly entries = new Map<string, Entry>();
  private readonly markets = new Map<string, MarketFeed>();
  private readonly o: Required<Pick<AccountStreamsOptions, 'maxQueue' | 'heartbeatMs' | 'recentFills'>> & {
    startTimeoutMs: number;
  };

  constructor(private readonly options: AccountStreamsOptions) {
    this.o = {
      maxQueue: options.maxQueue ?? 1_000,
      heartbeatMs: options.heartbeatMs ?? 15_000,
      recentFills: options.recentFills ?? 20,
      startTimeoutMs: options.startTimeoutMs ?? 15_000,
    };
  }

  /** Exchange account streams open (or opening) now. */
  get streamCount(): number {
    return this.entries.size;
  }

  /** Subscribers of every account (or of one). */
  subscriberCount(credentialRef?: string): number {
    if (credentialRef === undefined) {
      return [...this.entries.values()].reduce((n, e) => n + e.subs.size + e.joining, 0);
    }
    return this.entries.get(credentialRef)?.subs.size ?? 0;
  }

  /**
   * Follows a credential's account. Refuses (an AppError with a catalogued reason) before anything is delivered:
   * `stream_limit_reached`, `credential_revoked` / `credential_not_found`, `exchange_key_rejected`,
   * `exchange_unavailable`.
   */
  async subscribe(credentialRef: string, customerId: string): Promise<AccountSubscription> {
    const maxSubscribers = this.options.maxSubscribers ?? 1_000;
    if (this.subscriberCount() >= maxSubscribers) {
      throw problem(
        'stream_limit_reached',
        `This portal serves at most ${maxSubscribers} live account views at once.`,
        { retryAfterS: 30 },
      );
    }
    let entry = this.entries.get(credentialRef);
    if (!entry) {
      if (this.entries.size >= this.options.maxStreams) {
        throw problem(
          'stream_limit_reached',
          `This portal follows at most ${this.options.maxStreams} exchange accounts live at once.`,
          { retryAfterS: 30 },
        );
      }
      entry = this.newEntry(credentialRef, customerId);
    }
    entry.joining++;
    try {
      await entry.ready;
    } finally {
      entry.joining--;
    }
    if (entry.closing) throw problem('exchange_unavailable', 'The account stream closed while starting.');
    const e = entry;
    const sub = new AccountSubscription(this.o.maxQueue, (s) => this.leave(e, s));
    sub.push(this.snapshot(e));
    e.subs.add(sub);
    return sub;
  }

  /** Ends every stream (the process is stopping): subscribers get `closed` (`shutdown`). */
  async close(): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => this.closeEntry(e, 'shutdown')));
    await Promise.all([...this.markets.values()].map((m) => m.stop()));
    this.markets.clear();
  }

  private newEntry(credentialRef: string, customerId: string): Entry {
    const entry: Entry = {
      credentialRef,
      stream: undefined,
      market: undefined,
      subs: new Set(),
      joining: 0,
      fills: [],
      watch: new Set(this.options.markSymbols ?? ['BTCUSD', 'ETHUSD']),
      status: 'connected',
      ready: Promise.resolve(),
      offs: [],
      heartbeat: undefined,
      closing: false,
    };
    this.entries.set(credentialRef, entry);
    entry.ready = this.start(entry, customerId).catch(async (err: unknown) => {
      await this.closeEntry(entry, 'exchange_stream_failed');
      throw err;
    });
    return entry;
  }

  private async start(entry: Entry, customerId: string): Promise<void> {
    let opened: Awaited<ReturnType<typeof openCredential>>;
    try {
      opened = await openCredential(this.options.vault, entry.credentialRef, customerId);
    } catch (err) {
      if (err instanceof CredentialRefused) throw problem(err.reason, 'The vault will not open this key.');
      throw err;
    }
    const preset = opened.metadata.environment;
    const baseUrl = preset === 'paper' ? this.options.paperUrl : undefined;
    const client = accountClient(opened, this.options.paperUrl);
    const stream = new DeltaAccountStream({
      preset,
      ...(baseUrl ? { baseUrl } : {}),
      credentials: { apiKey: opened.credential.apiKey, apiSecret: opened.credential.apiSecret },
      client,
      ...(this.options.logger ? { logger: this.options.logger } : {}),
      ...this.options.socket,
    });
    entry.stream = stream;
    entry.offs.push(
      stream.on('update', (u) => this.onUpdate(entry, u)),
      stream.on('state', (s) => this.onState(entry, s.state, s.reason)),
      stream.on('resync', () => this.broadcast(entry, this.snapshot(entry))),
      stream.on('error', (err) => {
        // Once live (a refused key-auth after a reconnect: the stream stops); at the start, start() refuses.
        if (err instanceof DeltaAuthenticationError && entry.heartbeat)
          void this.closeEntry(entry, 'exchange_key_rejected');
      }),
    );
    const key = `${preset} ${baseUrl ?? ''}`;
    let market = this.markets.get(key);
    if (!market) {
      market = new MarketFeed(preset, baseUrl, this.options.logger, this.o.startTimeoutMs);
      this.markets.set(key, market);
    }
    market.refs++;
    entry.market = market;
    entry.offs.push(
      market.onMark((mark) => {
        if (entry.watch.has(mark.symbol)) this.broadcast(entry, { type: 'mark', mark });
      }),
    );
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.all([stream.start(), market.start()]),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(problem('exchange_unavailable', 'The exchange’s account stream did not open in time.')),
            this.o.startTimeoutMs,
          );
          timer.unref();
        }),
      ]);
      const recent = await client.fills({ page_size: this.o.recentFills });
      this.addFills(
        entry,
        recent.items.map((f) => fillOf(fillFromRest(f), String(f.commission))),
      );
    } catch (err) {
      if (err instanceof AppError) throw err;
      if (err instanceof DeltaAuthenticationError)
        throw problem('exchange_key_rejected', 'The exchange refused the stored key on its account stream.');
      this.options.logger?.warn(
        { credential_ref: entry.credentialRef, err: (err as Error)?.message },
        'account stream did not start',
      );
      const why = err instanceof DeltaError ? ` (${err.kind})` : '';
      throw problem('exchange_unavailable', `The exchange’s account stream could not start${why}.`);
    } finally {
      clearTimeout(timer);
    }
    entry.heartbeat = setInterval(() => void this.beat(entry), this.o.heartbeatMs);
    entry.heartbeat.unref();
  }

  /**
   * A heartbeat to every subscriber, after looking at the credential again: a key revoked meanwhile (by this
   * instance or another) ends the stream (`credential_revoked`) within one period.
   */
  private async beat(entry: Entry): Promise<void> {
    try {
      const meta = await this.options.vault.store.getMetadata(entry.credentialRef);
      if (meta?.state !== 'active') {
        await this.closeEntry(entry, 'credential_revoked');
        return;
      }
    } catch (err) {
      // The vault's database is unreachable: keep streaming, look again next period.
      this.options.logger?.warn({ err: (err as Error)?.message }, 'account stream: credential check failed');
    }
    this.broadcast(entry, { type: 'heartbeat', at_us: Date.now() * 1000 });
  }

  private addFills(entry: Entry, fills: TStreamFill[]): void {
    const seen = new Set(entry.fills.map((f) => f.fill_id));
    const fresh = fills.filter((f) => !seen.has(f.fill_id));
    if (fresh.length === 0) return;
    entry.fills = [...fresh, ...entry.fills]
      .sort((a, b) => b.timestamp_us - a.timestamp_us)
      .slice(0, this.o.recentFills);
  }

  private onUpdate(entry: Entry, u: AccountUpdate): void {
    if (u.kind === 'order' || (u.kind === 'position' && u.size !== 0)) entry.watch.add(u.symbol);
    this.broadcast(entry, this.eventOf(entry, u));
  }

  private eventOf(entry: Entry, u: AccountUpdate): TAccountStreamEvent {
    switch (u.kind) {
      case 'order': {
        const { kind: _k, ...order } = u;
        return { type: 'order', order };
      }
      case 'position': {
        const { kind: _k, ...position } = u;
        return { type: 'position', position };
      }
      case 'margins': {
        const { kind: _k, ...balance } = u;
        return { type: 'margins', balance };
      }
      case 'fill': {
        const fill = fillOf(u);
        this.addFills(entry, [fill]);
        return { type: 'fill', fill };
      }
    }
  }

  private onState(entry: Entry, state: string, reason: string | undefined): void {
    if (state === 'reconnecting') {
      entry.status = 'reconnecting';
      this.broadcast(entry, { type: 'status', status: 'reconnecting', reason: reason ?? null });
    } else if (state === 'live' && entry.status === 'reconnecting') {
      entry.status = 'caught_up';
      this.broadcast(entry, { type: 'status', status: 'caught_up', reason: null });
    } else if (state === 'stopped' && !entry.closing) {
      void this.closeEntry(entry, 'exchange_stream_failed');
    }
  }

  private snapshot(entry: Entry): TAccountSnapshotEvent {
    const view = entry.stream?.current() ?? { orders: [], positions: [], margins: [] };
    for (const x of [...view.positions, ...view.orders]) entry.watch.add(x.symbol);
    const strip = <T extends { kind: string }>(x: T): Omit<T, 'kind'> => {
      const { kind: _kind, ...rest } = x;
      return rest;
    };
    return {
      type: 'snapshot',
      credential_ref: entry.credentialRef,
      status: entry.status,
      positions: view.positions.map(strip),
      orders: view.orders.map(strip),
      fills: [...entry.fills],
      balances: view.margins.map(strip),
      marks: [...(entry.market?.marks.values() ?? [])].filter((m) => entry.watch.has(m.symbol)),
      at_us: Date.now() * 1000,
    };
  }

  private broadcast(entry: Entry, e: TAccountStreamEvent): void {
    for (const s of [...entry.subs]) s.push(e);
  }

  private leave(entry: Entry, sub: AccountSubscription): void {
    entry.subs.delete(sub);
    if (entry.subs.size === 0 && entry.joining === 0) void this.closeEntry(entry, 'shutdown');
  }

  private async closeEntry(entry: Entry, reason: TStreamCloseReason): Promise<void> {
    if (entry.closing) return;
    entry.closing = true;
    if (this.entries.get(entry.credentialRef) === entry) this.entries.delete(entry.credentialRef);
    clearInterval(entry.heartbeat);
    for (const off of entry.offs) off();
    for (const s of [...entry.subs]) s.end(reason);
    entry.subs.clear();
    const market = entry.market;
    entry.market = undefined;
    if (market && --market.refs === 0) {
      for (const [k, m] of this.markets) if (m === market) this.markets.delete(k);
      await market.stop();
    }
    await entry.stream?.stop().catch(() => undefined);
  }
}
