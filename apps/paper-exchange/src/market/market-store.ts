import type { Db } from '@delta/server-kit';
import type { Segment } from './backfill.ts';
import type { Bar, SeriesName } from './minute-series.ts';

/**
 * The market's persistence: the last mark and spot of each product, the descriptions of its synthetic history
 * segments (the bars themselves are regenerated at start) and the live 1-minute bars observed since. Live bars are
 * written behind the ticks (at most once a second, and at stop), so a tick costs no candle write.
 */
export class MarketStore {
  private readonly dirty = new Map<string, { productId: number; series: SeriesName; t: number; bar: Bar }>();
  private flushing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly db: Db) {}

  async loadMarks(): Promise<Map<number, { mark: number; spot: number | null }>> {
    const r = await this.db.query<{ product_id: number; mark_price: string; spot_price: string | null }>(
      'SELECT product_id, mark_price, spot_price FROM px_marks',
    );
    return new Map(
      r.rows.map((row) => [
        Number(row.product_id),
        { mark: Number(row.mark_price), spot: row.spot_price === null ? null : Number(row.spot_price) },
      ]),
    );
  }

  async saveMark(productId: number, mark: number, spot: number): Promise<void> {
    await this.db.query(
      `INSERT INTO px_marks (product_id, mark_price, spot_price, updated_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (product_id) DO UPDATE SET mark_price = EXCLUDED.mark_price, spot_price = EXCLUDED.spot_price,
         updated_at = now()`,
      [productId, mark, spot],
    );
  }

  async loadSegments(productId: number): Promise<Segment[]> {
    const r = await this.db.query<{
      kind: 'backfill' | 'gap';
      start_sec: string;
      minutes: number;
      anchor_price: string;
      seed: string;
    }>(
      `SELECT kind, start_sec, minutes, anchor_price, seed FROM px_market_segments
       WHERE product_id = $1 ORDER BY start_sec`,
      [productId],
    );
    return r.rows.map((row) => ({
      kind: row.kind,
      startSec: Number(row.start_sec),
      minutes: Number(row.minutes),
      anchorPrice: Number(row.anchor_price),
      seed: Number(row.seed),
    }));
  }

  async addSegment(productId: number, s: Segment): Promise<void> {
    await this.db.query(
      `INSERT INTO px_market_segments (product_id, kind, start_sec, minutes, anchor_price, seed)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
      [productId, s.kind, s.startSec, s.minutes, s.anchorPrice, s.seed],
    );
  }

  async loadBars(productId: number, fromSec: number) {
    const r = await this.db.query<{
      series: SeriesName;
      t: string;
      o: string;
      h: string;
      l: string;
      c: string;
      v: string;
    }>(`SELECT series, t, o, h, l, c, v FROM px_candles WHERE product_id = $1 AND t >= $2 ORDER BY t`, [
      productId,
      fromSec,
    ]);
    return r.rows.map((row) => ({
      series: row.series,
      t: Number(row.t),
      bar: { o: Number(row.o), h: Number(row.h), l: Number(row.l), c: Number(row.c), v: Number(row.v) },
    }));
  }

  /** Queues a live bar for writing; a later observation of the same minute replaces it in the queue. */
  write(productId: number, series: SeriesName, t: number, bar: Bar): void {
    this.dirty.set(`${productId}:${series}:${t}`, { productId, series, t, bar: { ...bar } });
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush().catch(() => undefined);
      }, 1_000);
      this.timer.unref();
    }
  }

  flush(): Promise<void> {
    const run = this.flushing.then(async () => {
      if (this.dirty.size === 0) return;
      const rows = [...this.dirty.values()];
      this.dirty.clear();
      const params: unknown[] = [];
      const tuples = rows.map((row, i) => {
        const b = row.bar;
        params.push(row.productId, row.series, row.t, b.o, b.h, b.l, b.c, b.v);
        const n = i * 8;
        return `($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}, $${n + 5}, $${n + 6}, $${n + 7}, $${n + 8})`;
      });
      await this.db.query(
        `INSERT INTO px_candles (product_id, series, t, o, h, l, c, v) VALUES ${tuples.join(', ')}
         ON CONFLICT (product_id, series, t) DO UPDATE SET o = EXCLUDED.o, h = EXCLUDED.h, l = EXCLUDED.l,
           c = EXCLUDED.c, v = EXCLUDED.v`,
        params,
      );
    });
    this.flushing = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
