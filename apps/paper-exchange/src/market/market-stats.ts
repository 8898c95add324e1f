import { aggregate, type Candle } from './candles.ts';
import type { Market } from './market.ts';
import type { SeriesName } from './minute-series.ts';
import type { ProductSpec } from './products.ts';

/** Derived market figures: 24 h statistics, the allowed price band, the funding rate, candles. */

export interface DayStats {
  open: number;
  high: number;
  low: number;
  close: number;
  /** Contracts traded. */
  size: number;
  /** Turnover in USD (contracts × contract value × price). */
  turnoverUsd: number;
  markChangePct: number;
}

const DAY_MIN = 1_440;

/** The rolling 24 hours of the trade series, and the mark's change over them. */
export function dayStats(market: Market, p: ProductSpec): DayStats {
  const trades = market.series(p.id, 'trade');
  const marks = market.series(p.id, 'mark');
  const nowSec = Math.floor(market.now() / 1000);
  const last = trades.indexOf(nowSec);
  let open = Number.NaN;
  let high = -Infinity;
  let low = Infinity;
  let close = Number.NaN;
  let size = 0;
  let turnoverUsd = 0;
  for (let i = Math.max(0, last - DAY_MIN + 1); i <= last; i++) {
    const bar = trades.bar(i);
    if (!bar) continue;
    if (Number.isNaN(open)) open = bar.o;
    high = Math.max(high, bar.h);
    low = Math.min(low, bar.l);
    close = bar.c;
    size += bar.v;
    turnoverUsd += bar.v * p.contractValue * bar.c;
  }
  const mark = market.mark(p.id);
  if (Number.isNaN(open)) {
    open = mark;
    close = mark;
    high = mark;
    low = mark;
  }
  const before = marks.lastBefore(marks.indexOf(nowSec) - DAY_MIN + 1);
  const then = before >= 0 ? marks.close(before) : mark;
  return { open, high, low, close, size, turnoverUsd, markChangePct: ((mark - then) / then) * 100 };
}

export interface PriceBand {
  lower: number;
  upper: number;
}

/**
 * Delta's allowed trading band for perpetuals: on each side the wider of ±2σ of the mark over the last 15 minutes
 * and ± `price_band` % of the mark. σ is taken over the 1-minute mark bars of those minutes (open, high, low and
 * close of each, the current minute included), so a spike widens the band at once.
 */
export function priceBand(market: Market, p: ProductSpec): PriceBand {
  const marks = market.series(p.id, 'mark');
  const mark = market.mark(p.id);
  const nowIndex = marks.indexOf(Math.floor(market.now() / 1000));
  const samples: number[] = [mark];
  let carry = Number.NaN;
  const before = marks.lastBefore(nowIndex - 15);
  if (before >= 0) carry = marks.close(before);
  for (let i = nowIndex - 15; i <= nowIndex; i++) {
    const bar = marks.bar(i);
    if (bar) {
      samples.push(bar.o, bar.h, bar.l, bar.c);
      carry = bar.c;
    } else if (!Number.isNaN(carry)) samples.push(carry, carry, carry, carry);
  }
  const mean = samples.reduce((a, x) => a + x, 0) / samples.length;
  const sd = Math.sqrt(samples.reduce((a, x) => a + (x - mean) ** 2, 0) / samples.length);
  const pct = (mark * p.priceBandPct) / 100;
  return { lower: Math.max(0, mark - Math.max(2 * sd, pct)), upper: mark + Math.max(2 * sd, pct) };
}

/** The interest component of Delta's funding formula, percent per interval. */
export const FUNDING_INTEREST_PCT = 0.01;

/**
 * Delta's funding rate (percent per interval): average premium + clamp(interest − average premium, ± clamp), the
 * premium being the time-weighted (mark − spot) / spot since the last exchange.
 */
export function fundingRatePct(market: Market, p: ProductSpec): number {
  const premiumPct = market.averagePremium(p.id) * 100;
  const c = p.fundingClampPct;
  const clamped = Math.max(-c, Math.min(c, FUNDING_INTEREST_PCT - premiumPct));
  return premiumPct + clamped;
}

export interface CandleQuery {
  series: SeriesName;
  fromSec: number;
  toSec: number;
  resSec: number;
  limit?: number;
}

export function candles(market: Market, p: ProductSpec, q: CandleQuery): Candle[] {
  return aggregate(market.series(p.id, q.series), {
    fromSec: q.fromSec,
    toSec: q.toSec,
    resSec: q.resSec,
    nowSec: Math.floor(market.now() / 1000),
    carry: q.series !== 'trade',
    limit: q.limit,
  });
}
