import { roundToTick } from '../format.ts';
import type { ProductSpec } from './products.ts';

export interface BookLevel {
  price: number;
  size: number;
}

export interface Book {
  bids: BookLevel[];
  asks: BookLevel[];
}

/** Levels a side the synthetic book holds (what takers walk and `depth` may ask for). */
export const BOOK_LEVELS = 50;
/** Levels `GET /v2/l2orderbook` shows without a `depth` (Delta's default is unverified). */
export const DEFAULT_BOOK_DEPTH = 20;

// A cheap integer hash: level sizes wobble from minute to minute without any state or randomness to seed.
function wobble(level: number, minute: number, side: number): number {
  let h = Math.imul(level + 1, 0x9e3779b1) ^ Math.imul(minute, 0x85ebca77) ^ side;
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  return ((h ^ (h >>> 13)) >>> 0) / 4_294_967_296;
}

/**
 * A book around the mark: the spread is about 1 bp of the mark (never under a tick), levels a step apart, sizes
 * growing with distance (500·(i+1) contracts, ±30 % from minute to minute). Deep enough that a taker of any sane
 * size fills within it; whatever is beyond the last level fills at the last level.
 */
export function syntheticBook(p: ProductSpec, mark: number, minute: number, levels = BOOK_LEVELS): Book {
  const half = Math.max(p.tickSize, mark * 0.00005);
  const step = Math.max(p.tickSize, roundToTick(mark * 0.00005, p.tickSize));
  const bestBid = roundToTick(mark - half, p.tickSize);
  const bestAsk = Math.max(roundToTick(mark + half, p.tickSize), bestBid + p.tickSize);
  const bids: BookLevel[] = [];
  const asks: BookLevel[] = [];
  for (let i = 0; i < levels; i++) {
    const base = 500 * (i + 1);
    bids.push({
      price: roundToTick(bestBid - i * step, p.tickSize),
      size: Math.round(base * (0.7 + 0.6 * wobble(i, minute, 1))),
    });
    asks.push({
      price: roundToTick(bestAsk + i * step, p.tickSize),
      size: Math.round(base * (0.7 + 0.6 * wobble(i, minute, 2))),
    });
  }
  return { bids: bids.filter((l) => l.price > 0), asks };
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
