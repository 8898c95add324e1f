import type { MinuteSeries } from './minute-series.ts';

/** Resolutions `GET /v2/history/candles` serves (Delta's list; 7d, 2w and 30d were removed in October 2025). */
export const REST_RESOLUTIONS: Readonly<Record<string, number>> = {
  '1m': 60,
  '3m': 180,
  '5m': 300,
  '15m': 900,
  '30m': 1_800,
  '1h': 3_600,
  '2h': 7_200,
  '4h': 14_400,
  '6h': 21_600,
  '1d': 86_400,
  '1w': 604_800,
};

/** The `candlestick_<res>` channels also list 12h. */
export const STREAM_RESOLUTIONS: Readonly<Record<string, number>> = { ...REST_RESOLUTIONS, '12h': 43_200 };

/** Delta answers at most this many candles per request. */
export const MAX_CANDLES = 2_000;

// Weeks start on Monday 00:00 UTC (1970-01-05 was a Monday); days at midnight UTC. Delta's week boundary is
// unverified.
const WEEK_OFFSET = 4 * 86_400;

export function bucketStart(epochSec: number, resSec: number): number {
  const offset = resSec === 604_800 ? WEEK_OFFSET : 0;
  return Math.floor((epochSec - offset) / resSec) * resSec + offset;
}

export interface Candle {
  /** Epoch seconds of the candle's start. */
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export interface AggregateOptions {
  fromSec: number;
  toSec: number;
  resSec: number;
  /** Now, in epoch seconds: no candle starts after the current minute. */
  nowSec: number;
  /**
   * A continuous price (mark, spot) exists in every minute, traded or not: a minute without an observation is a
   * flat bar at the last close. Trades make no bar in a minute without trades.
   */
  carry: boolean;
  limit?: number;
}

/**
 * Candles of `resSec` whose start lies in [bucketStart(fromSec), toSec], oldest first, at most `limit` (the most
 * recent ones when the range holds more).
 */
export function aggregate(series: MinuteSeries, o: AggregateOptions): Candle[] {
  const limit = o.limit ?? MAX_CANDLES;
  const nowIndex = series.indexOf(o.nowSec);
  const lastBucket = bucketStart(Math.min(o.toSec, o.nowSec), o.resSec);
  let firstBucket = bucketStart(o.fromSec, o.resSec);
  if (lastBucket < firstBucket) return [];
  if ((lastBucket - firstBucket) / o.resSec + 1 > limit) firstBucket = lastBucket - (limit - 1) * o.resSec;
  const out: Candle[] = [];
  const startIndex = Math.max(0, series.indexOf(firstBucket));
  let carry = Number.NaN;
  if (o.carry) {
    const before = series.lastBefore(startIndex);
    if (before >= 0) carry = series.close(before);
  }
  for (let b = firstBucket; b <= lastBucket; b += o.resSec) {
    const from = Math.max(0, series.indexOf(b));
    const to = Math.min(series.indexOf(b + o.resSec) - 1, nowIndex);
    let open = Number.NaN;
    let high = -Infinity;
    let low = Infinity;
    let close = Number.NaN;
    let volume = 0;
    for (let i = from; i <= to; i++) {
      let bo: number;
      let bh: number;
      let bl: number;
      let bc: number;
      if (series.has(i)) {
        const bar = series.bar(i)!;
        bo = bar.o;
        bh = bar.h;
        bl = bar.l;
        bc = bar.c;
        volume += bar.v;
      } else if (o.carry && !Number.isNaN(carry)) {
        bo = carry;
        bh = carry;
        bl = carry;
        bc = carry;
      } else {
        continue;
      }
      if (Number.isNaN(open)) open = bo;
      high = Math.max(high, bh);
      low = Math.min(low, bl);
      close = bc;
      carry = bc;
    }
    if (!Number.isNaN(open)) out.push({ time: b, open, high, low, close, volume });
  }
  return out;
}
