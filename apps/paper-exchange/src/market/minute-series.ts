/**
 * One price series of one product as 1-minute bars in typed arrays (about 40 bytes a minute): 30 days of
 * back-filled history cost ~1.7 MB per series and no database rows, so the exchange starts fast. Every coarser
 * candle is aggregated from these bars on demand, which is also why candles always agree with each other.
 */

export interface Bar {
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
}

export type SeriesName = 'mark' | 'trade' | 'spot';

export class MinuteSeries {
  private o: Float64Array;
  private h: Float64Array;
  private l: Float64Array;
  private c: Float64Array;
  private v: Float64Array;
  private present: Uint8Array;
  /** One past the highest index holding a bar. */
  length = 0;

  constructor(
    /** Epoch seconds of index 0 (a minute boundary). */
    readonly baseSec: number,
    capacity = 1024,
  ) {
    this.o = new Float64Array(capacity);
    this.h = new Float64Array(capacity);
    this.l = new Float64Array(capacity);
    this.c = new Float64Array(capacity);
    this.v = new Float64Array(capacity);
    this.present = new Uint8Array(capacity);
  }

  indexOf(epochSec: number): number {
    return Math.floor((epochSec - this.baseSec) / 60);
  }

  timeOf(index: number): number {
    return this.baseSec + index * 60;
  }

  private grow(index: number): void {
    if (index < this.present.length) return;
    let cap = this.present.length;
    while (cap <= index) cap *= 2;
    const copy = <T extends Float64Array | Uint8Array>(a: T, make: (n: number) => T) => {
      const b = make(cap);
      b.set(a);
      return b;
    };
    this.o = copy(this.o, (n) => new Float64Array(n));
    this.h = copy(this.h, (n) => new Float64Array(n));
    this.l = copy(this.l, (n) => new Float64Array(n));
    this.c = copy(this.c, (n) => new Float64Array(n));
    this.v = copy(this.v, (n) => new Float64Array(n));
    this.present = copy(this.present, (n) => new Uint8Array(n));
  }

  has(index: number): boolean {
    return index >= 0 && index < this.length && this.present[index] === 1;
  }

  bar(index: number): Bar | undefined {
    if (!this.has(index)) return undefined;
    return { o: this.o[index]!, h: this.h[index]!, l: this.l[index]!, c: this.c[index]!, v: this.v[index]! };
  }

  close(index: number): number {
    return this.c[index]!;
  }

  put(index: number, bar: Bar): void {
    if (index < 0) return;
    this.grow(index);
    this.o[index] = bar.o;
    this.h[index] = bar.h;
    this.l[index] = bar.l;
    this.c[index] = bar.c;
    this.v[index] = bar.v;
    this.present[index] = 1;
    if (index >= this.length) this.length = index + 1;
  }

  /**
   * A live observation in minute `index`. A minute's first observation opens the bar at `open` (the previous
   * close for a continuous price like the mark; the trade itself for trades), later ones extend it.
   */
  observe(index: number, price: number, volume: number, open: number): Bar {
    if (!this.has(index)) {
      const bar = { o: open, h: Math.max(open, price), l: Math.min(open, price), c: price, v: volume };
      this.put(index, bar);
      return bar;
    }
    this.h[index] = Math.max(this.h[index]!, price);
    this.l[index] = Math.min(this.l[index]!, price);
    this.c[index] = price;
    this.v[index] = this.v[index]! + volume;
    return this.bar(index)!;
  }

  /** The last index below `before` that holds a bar, or -1. */
  lastBefore(before: number): number {
    for (let i = Math.min(before, this.length) - 1; i >= 0; i--) if (this.present[i] === 1) return i;
    return -1;
  }
}
