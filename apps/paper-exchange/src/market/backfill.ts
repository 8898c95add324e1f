import type { MinuteSeries } from './minute-series.ts';
import { PriceProcess, type ProcessState, streamSeed } from './price-process.ts';
import type { ProductSpec } from './products.ts';

/**
 * Synthetic history in whole minutes, written straight into the product's minute series. A segment is a pure
 * function of (seed, product, start minute, length, anchor price): nothing of it is stored, it is regenerated at
 * every start (milliseconds), so only its description lives in the database.
 *  - a back-fill segment ends at its anchor price (the mark when the exchange first started), so the history
 *    leads exactly to today's price;
 *  - a gap segment starts at its anchor price (the last close before the exchange was stopped) and covers the
 *    time it was down.
 */

export interface SegmentSeries {
  mark: MinuteSeries;
  trade: MinuteSeries;
  spot: MinuteSeries;
}

export interface Segment {
  kind: 'backfill' | 'gap';
  /** Epoch seconds of the first minute. */
  startSec: number;
  minutes: number;
  /** The back-fill's last close, or the gap's opening price. */
  anchorPrice: number;
  seed: number;
}

export interface SegmentEnd {
  close: number;
  basis: number;
  state: ProcessState;
}

const snap = (x: number, tick: number) => Math.round(x / tick) * tick;

export function generateSegment(p: ProductSpec, seg: Segment, out: SegmentSeries): SegmentEnd {
  const n = seg.minutes;
  const startMinute = Math.floor(seg.startSec / 60);
  const proc = new PriceProcess(streamSeed(seg.seed, p.id, startMinute), p.volatility, 0);
  // First pass: log returns from 0; the path is then shifted so that it meets its anchor.
  const logClose = new Float64Array(n);
  const openGap = new Float64Array(n);
  const sigma = new Float64Array(n);
  const basis = new Float64Array(n);
  let log = 0;
  for (let i = 0; i < n; i++) {
    const s = proc.step(log, 1);
    openGap[i] = s.gap;
    log += s.ret;
    logClose[i] = log;
    sigma[i] = s.sigma;
    basis[i] = s.basis;
  }
  const shift = seg.kind === 'backfill' ? Math.log(seg.anchorPrice) - log : Math.log(seg.anchorPrice);
  const tick = p.tickSize;
  const first = out.mark.indexOf(seg.startSec);
  // The back-fill's path starts at log 0, i.e. at exp(shift); a gap starts at its anchor.
  let prevMark = seg.kind === 'gap' ? seg.anchorPrice : snap(Math.exp(shift), tick);
  let prevTrade = prevMark;
  let prevBasis = basis[0]!;
  for (let i = 0; i < n; i++) {
    const sd = sigma[i]!;
    const c = Math.max(tick, snap(Math.exp(shift + logClose[i]!), tick));
    // A gap shows as an opening jump: the price moved between two ticks.
    const o = Math.max(tick, snap(prevMark * Math.exp(openGap[i]!), tick));
    const h = Math.max(o, c, snap(Math.max(o, c) * Math.exp(Math.abs(proc.gaussian()) * sd * 0.6), tick));
    const l = Math.min(o, c, snap(Math.min(o, c) * Math.exp(-Math.abs(proc.gaussian()) * sd * 0.6), tick));
    out.mark.put(first + i, { o, h, l, c, v: 0 });

    // Trades print around the mark, within about a spread of it.
    const half = Math.max(tick, c * 0.00005);
    const tc = Math.max(tick, snap(c + (proc.uniform() - 0.5) * 2 * half, tick));
    const to = prevTrade;
    const th = Math.max(to, tc, snap(h + half, tick));
    const tl = Math.min(to, tc, snap(l - half, tick));
    const volume = Math.max(
      1,
      Math.round(p.volumePerMin * (sd / p.volatility) * Math.exp(0.4 * proc.gaussian() - 0.08)),
    );
    out.trade.put(first + i, { o: to, h: th, l: tl, c: tc, v: volume });

    const b = basis[i]!;
    const so = snap(o / (1 + prevBasis), tick);
    const sc = snap(c / (1 + b), tick);
    out.spot.put(first + i, {
      o: so,
      h: Math.max(so, sc, snap(h / (1 + b), tick)),
      l: Math.min(so, sc, snap(l / (1 + b), tick)),
      c: sc,
      v: 0,
    });
    prevMark = c;
    prevTrade = tc;
    prevBasis = b;
  }
  return { close: prevMark, basis: prevBasis, state: { ...proc.state } };
}
