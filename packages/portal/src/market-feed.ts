import type { TStreamMark } from '@delta/contracts';
import { type DeltaPreset, DeltaReadClient, DeltaSocket, type StreamMessage } from '@delta/delta-client';
import type { Logger } from '@delta/server-kit';

/**
 * Public mark prices of one exchange (one preset and URL), shared by every account stream of this process that
 * trades there: REST tickers first (every perpetual the exchange lists), then the public host's `mark_price`
 * channel. Ref-counted by the account streams that use it; the socket closes when the last one leaves.
 */
export class MarketFeed {
  readonly marks = new Map<string, TStreamMark>();
  private readonly listeners = new Set<(m: TStreamMark) => void>();
  private readonly contractValues = new Map<string, string>();
  private socket: DeltaSocket | undefined;
  private ready: Promise<void> | undefined;
  refs = 0;

  constructor(
    private readonly preset: DeltaPreset,
    private readonly baseUrl: string | undefined,
    private readonly logger: Logger | undefined,
    private readonly startTimeoutMs: number,
  ) {}

  onMark(listener: (m: TStreamMark) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Loads the marks and opens the socket once; a failure leaves the REST marks (or none) and is logged. */
  start(): Promise<void> {
    this.ready ??= this.open().catch((err: unknown) => {
      this.logger?.warn(
        { err: (err as Error)?.message },
        'mark price feed could not start; marks stay as read',
      );
    });
    return this.ready;
  }

  async stop(): Promise<void> {
    const s = this.socket;
    this.socket = undefined;
    this.listeners.clear();
    await s?.stop();
  }

  private async open(): Promise<void> {
    const client = new DeltaReadClient({ preset: this.preset, baseUrl: this.baseUrl, timeoutMs: 5_000 });
    const [products, tickers] = await Promise.all([
      client.products({ contract_types: ['perpetual_futures'] }),
      client.tickers({ contract_types: ['perpetual_futures'] }),
    ]);
    for (const p of products) this.contractValues.set(p.symbol, String(p.contract_value));
    for (const t of tickers) {
      this.set({ symbol: t.symbol, mark_price: String(t.mark_price), timestamp_us: t.timestamp ?? null });
    }
    if (tickers.length === 0) return;
    const socket = new DeltaSocket({
      preset: this.preset,
      host: 'public',
      ...(this.baseUrl ? { baseUrl: this.baseUrl } : {}),
      ...(this.logger ? { logger: this.logger } : {}),
    });
    this.socket = socket;
    void socket.subscribe([{ name: 'mark_price', symbols: tickers.map((t) => `MARK:${t.symbol}`) }]);
    socket.on('message', (m) => this.onMessage(m));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      socket.start(),
      new Promise<void>((_, reject) => {
        timer = setTimeout(() => reject(new Error('mark feed did not open in time')), this.startTimeoutMs);
        timer.unref();
      }),
    ]).finally(() => clearTimeout(timer));
  }

  private onMessage(m: StreamMessage): void {
    if (m.kind === 'mark_price') {
      this.set({ symbol: m.symbol, mark_price: m.price, timestamp_us: m.timestamp });
    }
  }

  private set(m: Omit<TStreamMark, 'contract_value'>): void {
    const mark: TStreamMark = { ...m, contract_value: this.contractValues.get(m.symbol) ?? null };
    const last = this.marks.get(mark.symbol);
    if (last && last.mark_price === mark.mark_price && last.timestamp_us === mark.timestamp_us) return;
    if (last?.timestamp_us && mark.timestamp_us && mark.timestamp_us < last.timestamp_us) return;
    this.marks.set(mark.symbol, mark);
    for (const l of [...this.listeners]) {
      try {
        l(mark);
      } catch (err) {
        this.logger?.warn({ err: (err as Error)?.name }, 'mark listener threw');
      }
    }
  }
}
