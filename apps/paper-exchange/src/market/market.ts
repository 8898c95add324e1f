import { type Db, seededRandom } from '@delta/server-kit';
import { roundToTick } from '../format.ts';
import { PRODUCTS, type ProductSpec, productById } from './products.ts';

export interface BookLevel {
  price: number;
  size: number;
}

export interface Book {
  bids: BookLevel[];
  asks: BookLevel[];
}

interface ProductState {
  mark: number;
  open: number;
  high: number;
  low: number;
  volume: number;
}

export const BOOK_DEPTH = 10;

/**
 * The simulated market: one mark price per product moving as a seeded random walk, and a synthetic order book
 * around it. Marks are persisted so a restart continues from the last price.
 */
export class Market {
  private readonly state = new Map<number, ProductState>();
  private readonly random: () => number;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    seed: number,
    private readonly onMove: (productId: number) => Promise<void>,
  ) {
    this.random = seededRandom(seed);
  }

  async load(): Promise<void> {
    const r = await this.db.query<{ product_id: number; mark_price: string }>(
      'SELECT product_id, mark_price FROM px_marks',
    );
    const saved = new Map(r.rows.map((row) => [Number(row.product_id), Number(row.mark_price)]));
    for (const p of PRODUCTS) {
      const mark = saved.get(p.id) ?? p.startPrice;
      this.state.set(p.id, { mark, open: mark, high: mark, low: mark, volume: 0 });
      if (!saved.has(p.id)) await this.persist(p.id, mark);
    }
  }

  /** Starts the random walk (one step per product every `tickMs`). */
  startWalk(tickMs: number): void {
    if (tickMs <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      this.ticking = this.ticking.then(() => this.step()).catch(() => {});
    }, tickMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
  }

  private gaussian(): number {
    const u = Math.max(this.random(), Number.EPSILON);
    const v = this.random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  private async step(): Promise<void> {
    for (const p of PRODUCTS) {
      const s = this.must(p.id);
      const next = roundToTick(
        Math.max(p.tickSize, s.mark * (1 + p.volatility * this.gaussian())),
        p.tickSize,
      );
      await this.setMark(p.id, next);
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

  stats(productId: number): Readonly<ProductState> {
    return this.must(productId);
  }

  recordVolume(productId: number, contracts: number): void {
    this.must(productId).volume += contracts;
  }

  /** Sets the mark (rounded to the tick), persists it, then lets resting orders that are now crossed fill. */
  async setMark(productId: number, price: number): Promise<number> {
    const p = productById(productId);
    if (!p) throw new Error(`unknown product ${productId}`);
    const s = this.must(productId);
    const mark = roundToTick(price, p.tickSize);
    s.mark = mark;
    s.high = Math.max(s.high, mark);
    s.low = Math.min(s.low, mark);
    await this.persist(productId, mark);
    await this.onMove(productId);
    return mark;
  }

  private async persist(productId: number, mark: number): Promise<void> {
    await this.db.query(
      `INSERT INTO px_marks (product_id, mark_price, updated_at) VALUES ($1, $2, now())
       ON CONFLICT (product_id) DO UPDATE SET mark_price = EXCLUDED.mark_price, updated_at = now()`,
      [productId, mark],
    );
  }

  /** Ten levels a side; the spread is about 1 bp of the mark, never less than one tick. */
  book(p: ProductSpec): Book {
    const mark = this.mark(p.id);
    const half = Math.max(p.tickSize, mark * 0.00005);
    const step = Math.max(p.tickSize, roundToTick(mark * 0.00005, p.tickSize));
    const bestBid = roundToTick(mark - half, p.tickSize);
    const bestAsk = Math.max(roundToTick(mark + half, p.tickSize), bestBid + p.tickSize);
    const bids: BookLevel[] = [];
    const asks: BookLevel[] = [];
    for (let i = 0; i < BOOK_DEPTH; i++) {
      const size = 500 * (i + 1);
      bids.push({ price: roundToTick(bestBid - i * step, p.tickSize), size });
      asks.push({ price: roundToTick(bestAsk + i * step, p.tickSize), size });
    }
    return { bids, asks };
  }
}

/**
 * Walks the book for a taker order of `size` contracts; with a limit, stops at the first level beyond it.
 * Anything beyond the visible depth fills at the last level (the synthetic book is deep).
 */
export function walkBook(book: Book, side: 'buy' | 'sell', size: number, limit?: number): BookLevel[] {
  const levels = side === 'buy' ? book.asks : book.bids;
  const fills: BookLevel[] = [];
  let left = size;
  for (let i = 0; i < levels.length && left > 0; i++) {
    const level = levels[i]!;
    if (limit !== undefined && (side === 'buy' ? level.price > limit : level.price < limit)) break;
    const take = i === levels.length - 1 ? left : Math.min(left, level.size);
    fills.push({ price: level.price, size: take });
    left -= take;
  }
  return fills;
}
