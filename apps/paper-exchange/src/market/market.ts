import { type Db, seededRandom } from '@delta/server-kit';
import { roundToTick } from '../format.ts';
import { generateSegment, type Segment, type SegmentSeries } from './backfill.ts';
import { type Book, syntheticBook } from './book.ts';
import { MarketStore } from './market-store.ts';
import { MinuteSeries, type SeriesName } from './minute-series.ts';
import { PriceProcess, streamSeed } from './price-process.ts';
import { PRODUCTS, type ProductSpec, productById } from './products.ts';

export type { Book, BookLevel } from './book.ts';
export { walkBook } from './book.ts';

export interface MarketTick {
  productId: number;
  mark: number;
  spot: number;
  /** Epoch ms. */
  time: number;
}

export interface PublicTrade {
  productId: number;
  price: number;
  size: number;
  /** The aggressor's side. */
  side: 'buy' | 'sell';
  time: number;
}

export interface MarketListener {
  tick?(t: MarketTick): void;
  trade?(t: PublicTrade): void;
}

export interface MarketOptions {
  seed: number;
  /** Days of synthetic history before the first start (default 30). */
  historyDays?: number;
  /** Where the history ends on a fresh database (default: now). Tests pin it to compare two markets. */
  anchorMs?: number;
  now?: () => number;
}

interface ProductState {
  p: ProductSpec;
  mark: number;
  spot: number;
  proc: PriceProcess;
  series: SegmentSeries;
  lastTrade: PublicTrade | undefined;
  recent: PublicTrade[];
  /** Time-weighted premium since the last funding exchange: Σ premium·ms, over ms. */
  premium: { sum: number; ms: number; at: number };
  scripted: boolean;
  /** When the mark last moved (ms): the time its tick went into the candles. */
  movedAt: number;
}

const LIVE_SALT = 0x11fe;
const GAP_FILL_AFTER_S = 3_600;
const RECENT_TRADES = 50;

/**
 * The simulated market: per product a seeded price process (see price-process.ts) that drives the spot index, the
 * mark (spot plus a small basis), a synthetic book around the mark and a print of public trades; 30 days of
 * back-filled 1-minute history; every observation kept as 1-minute bars (mark, trade, spot). With `walkMs` 0 the
 * mark only moves when told to (admin API, `setMark`, scripted paths).
 */
export class Market {
  private readonly state = new Map<number, ProductState>();
  private readonly store: MarketStore;
  private readonly listeners: MarketListener[] = [];
  private readonly tradeRandom: () => number;
  private timer: NodeJS.Timeout | undefined;
  private tickMs = 1_000;
  private ticking: Promise<void> = Promise.resolve();
  readonly now: () => number;

  constructor(
    db: Db,
    private readonly options: MarketOptions,
    private readonly onMove: (productId: number) => Promise<void>,
  ) {
    this.store = new MarketStore(db);
    this.now = options.now ?? Date.now;
    this.tradeRandom = seededRandom(streamSeed(options.seed, 0, 0x7ade));
  }

  addListener(l: MarketListener): () => void {
    this.listeners.push(l);
    return () => {
      const i = this.listeners.indexOf(l);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  async load(): Promise<void> {
    const saved = await this.store.loadMarks();
    const nowSec = Math.floor(this.now() / 1000);
    for (const p of PRODUCTS) {
      let segments = await this.store.loadSegments(p.id);
      const startMark = saved.get(p.id)?.mark ?? p.startPrice;
      if (segments.length === 0) {
        const days = this.options.historyDays ?? 30;
        const anchorSec = Math.floor((this.options.anchorMs ?? this.now()) / 60_000) * 60;
        const first: Segment = {
          kind: 'backfill',
          startSec: anchorSec - days * 86_400,
          minutes: days * 1_440,
          anchorPrice: startMark,
          seed: this.options.seed,
        };
        await this.store.addSegment(p.id, first);
        segments = [first];
      }
      const base = segments[0]!.startSec;
      const capacity = segments.reduce((a, s) => a + s.minutes, 0) + 4_096;
      const series: SegmentSeries = {
        mark: new MinuteSeries(base, capacity),
        trade: new MinuteSeries(base, capacity),
        spot: new MinuteSeries(base, capacity),
      };
      let basis = 0.00005;
      let end = base;
      for (const seg of segments) {
        basis = generateSegment(p, seg, series).basis;
        end = seg.startSec + seg.minutes * 60;
      }
      for (const row of await this.store.loadBars(p.id, base)) {
        series[row.series].put(series[row.series].indexOf(row.t), row.bar);
        end = Math.max(end, row.t + 60);
      }
      let mark = startMark;
      let spot = saved.get(p.id)?.spot ?? mark / (1 + basis);
      if (nowSec - end > GAP_FILL_AFTER_S) {
        // The exchange was down for a while: the market kept moving, so the recent history has no hole (at most
        // the usual history length is filled in; anything older stays a hole).
        const last = series.mark.lastBefore(series.mark.indexOf(end));
        const from = Math.max(end, nowSec - (this.options.historyDays ?? 30) * 86_400);
        const gap: Segment = {
          kind: 'gap',
          startSec: from - (from % 60),
          minutes: Math.floor((nowSec - from) / 60),
          anchorPrice: last >= 0 ? series.mark.close(last) : mark,
          seed: this.options.seed,
        };
        await this.store.addSegment(p.id, gap);
        const g = generateSegment(p, gap, series);
        mark = g.close;
        spot = roundToTick(mark / (1 + g.basis), p.tickSize);
        await this.store.saveMark(p.id, mark, spot);
      } else if (!saved.has(p.id)) {
        await this.store.saveMark(p.id, mark, roundToTick(spot, p.tickSize));
      }
      const proc = new PriceProcess(
        streamSeed(this.options.seed, p.id, LIVE_SALT),
        p.volatility,
        Math.log(mark),
      );
      proc.state.basis = mark / spot - 1;
      this.state.set(p.id, {
        p,
        mark,
        spot: roundToTick(spot, p.tickSize),
        proc,
        series,
        lastTrade: undefined,
        recent: [],
        premium: { sum: 0, ms: 0, at: this.now() },
        scripted: false,
        movedAt: this.now(),
      });
    }
  }

  /** Starts the random walk (one step per product every `tickMs`). */
  startWalk(tickMs: number): void {
    if (tickMs <= 0 || this.timer) return;
    this.tickMs = tickMs;
    this.timer = setInterval(() => {
      this.ticking = this.ticking.then(() => this.step()).catch(() => {});
    }, tickMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
    await this.store.close();
  }

  /** One step of the process for every product not under a scripted path (`dtMs` of market time). */
  async step(dtMs = this.tickMs): Promise<void> {
    for (const s of this.state.values()) {
      if (s.scripted) continue;
      const r = s.proc.step(Math.log(s.mark), dtMs / 60_000);
      const mark = Math.max(s.p.tickSize, s.mark * Math.exp(r.ret));
      await this.move(s, mark, mark / (1 + r.basis), true);
    }
  }

  private must(productId: number): ProductState {
    const s = this.state.get(productId);
    if (!s) throw new Error(`unknown product ${productId}`);
    return s;
  }

  mark(productId: number): number {
    return this.must(productId).mark;
  }

  spot(productId: number): number {
    return this.must(productId).spot;
  }

  /** The last trade's price (public print or a user's fill); the mark before any trade. */
  lastPrice(productId: number): number {
    const s = this.must(productId);
    return s.lastTrade?.price ?? s.mark;
  }

  recentTrades(productId: number): readonly PublicTrade[] {
    return this.must(productId).recent;
  }

  series(productId: number, name: SeriesName): MinuteSeries {
    return this.must(productId).series[name];
  }

  premium(productId: number) {
    return this.must(productId).premium;
  }

  setScripted(productId: number, on: boolean): void {
    this.must(productId).scripted = on;
  }

  /**
   * Sets the mark (rounded to the tick) and the spot (by default the mark less the current basis), records it,
   * prints a trade, then lets the engine react (resting orders, stops, liquidations).
   */
  /** When the product's mark last moved (ms since the epoch): the time its last tick was recorded under. */
  movedAt(productId: number): number {
    return this.must(productId).movedAt;
  }

  async setMark(productId: number, price: number, spot?: number): Promise<number> {
    const s = this.must(productId);
    const basis = spot !== undefined && spot > 0 ? price / spot - 1 : s.mark / s.spot - 1;
    if (spot !== undefined && spot > 0) s.proc.state.basis = basis;
    await this.move(s, price, price / (1 + basis), false);
    return s.mark;
  }

  private async move(s: ProductState, rawMark: number, rawSpot: number, random: boolean): Promise<void> {
    const p = s.p;
    const time = this.now();
    const mark = Math.max(p.tickSize, roundToTick(rawMark, p.tickSize));
    const spot = Math.max(p.tickSize, roundToTick(rawSpot, p.tickSize));
    this.accruePremium(s, time);
    const up = mark >= s.mark;
    s.mark = mark;
    s.spot = spot;
    s.movedAt = time;
    const sec = Math.floor(time / 1000);
    this.observe(s, 'mark', sec, mark, 0);
    this.observe(s, 'spot', sec, spot, 0);
    await this.store.saveMark(p.id, mark, spot);
    for (const l of this.listeners) l.tick?.({ productId: p.id, mark, spot, time });
    // The tape prints where the book is hit: a random aggressor on walk ticks, the move's direction otherwise.
    const book = this.book(p);
    const buy = random ? this.tradeRandom() < 0.5 : up;
    const size = random ? 1 + Math.floor(this.tradeRandom() * 40) : 1;
    this.recordTrade(p.id, buy ? book.asks[0]!.price : book.bids[0]!.price, size, buy ? 'buy' : 'sell');
    await this.onMove(p.id);
  }

  private observe(s: ProductState, name: SeriesName, sec: number, price: number, volume: number): void {
    const series = s.series[name];
    const i = series.indexOf(sec);
    let open = price;
    if (name !== 'trade' && !series.has(i)) {
      const before = series.lastBefore(i);
      if (before >= 0) open = series.close(before);
    }
    const bar = series.observe(i, price, volume, open);
    this.store.write(s.p.id, name, series.timeOf(i), bar);
  }

  /** A trade on the tape: a synthetic print or a user's fill (`side` is the aggressor's). */
  recordTrade(productId: number, price: number, size: number, side: 'buy' | 'sell'): void {
    const s = this.must(productId);
    const trade: PublicTrade = { productId, price, size, side, time: this.now() };
    s.lastTrade = trade;
    s.recent.push(trade);
    if (s.recent.length > RECENT_TRADES) s.recent.shift();
    this.observe(s, 'trade', Math.floor(trade.time / 1000), price, size);
    for (const l of this.listeners) l.trade?.(trade);
  }

  private accruePremium(s: ProductState, time: number): void {
    const ms = Math.max(0, time - s.premium.at);
    s.premium.sum += (s.mark / s.spot - 1) * ms;
    s.premium.ms += ms;
    s.premium.at = time;
  }

  /** The time-weighted average premium (mark/spot − 1) since the last funding exchange. */
  averagePremium(productId: number): number {
    const s = this.must(productId);
    this.accruePremium(s, this.now());
    return s.premium.ms > 0 ? s.premium.sum / s.premium.ms : s.mark / s.spot - 1;
  }

  resetPremium(productId: number): void {
    const s = this.must(productId);
    s.premium = { sum: 0, ms: 0, at: this.now() };
  }

  book(p: ProductSpec): Book {
    return syntheticBook(p, this.mark(p.id), Math.floor(this.now() / 60_000));
  }

  productOf(productId: number): ProductSpec {
    const p = productById(productId);
    if (!p) throw new Error(`unknown product ${productId}`);
    return p;
  }
}
