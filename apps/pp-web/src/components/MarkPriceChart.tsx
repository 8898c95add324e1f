import {
  type AutoscaleInfo,
  createChart,
  type IChartApi,
  type IPriceLine,
  type ISeriesApi,
  LineSeries,
  LineStyle,
  type UTCTimestamp,
} from 'lightweight-charts';
import { useEffect, useRef } from 'react';

export interface MarkPoint {
  /** Unix seconds. */
  time: number;
  value: number;
}

/** Live mark price of one product, with the position's entry price drawn as a dashed line. */
export function MarkPriceChart({
  symbol,
  points,
  entryPrice,
}: {
  symbol: string;
  points: MarkPoint[];
  entryPrice?: number | undefined;
}) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<IChartApi | null>(null);
  const series = useRef<ISeriesApi<'Line'> | null>(null);
  const entryLine = useRef<IPriceLine | null>(null);

  useEffect(() => {
    if (!box.current) return;
    const c = createChart(box.current, {
      autoSize: true,
      height: 280,
      layout: { background: { color: '#ffffff' }, textColor: '#1f2933' },
      grid: { vertLines: { color: '#eef1f4' }, horzLines: { color: '#eef1f4' } },
      timeScale: { timeVisible: true, secondsVisible: true },
    });
    chart.current = c;
    series.current = c.addSeries(LineSeries, { color: '#2563eb', lineWidth: 2, title: `${symbol} mark` });
    return () => {
      c.remove();
      chart.current = null;
      series.current = null;
      entryLine.current = null;
    };
  }, [symbol]);

  useEffect(() => {
    series.current?.setData(points.map((p) => ({ time: p.time as UTCTimestamp, value: p.value })));
  }, [points]);

  useEffect(() => {
    const s = series.current;
    if (!s) return;
    const entry = entryPrice !== undefined && Number.isFinite(entryPrice) ? entryPrice : undefined;
    // Keep the entry line on screen: the price scale spans the marks and the entry price.
    s.applyOptions({
      autoscaleInfoProvider: (original: () => AutoscaleInfo | null): AutoscaleInfo | null => {
        const r = original();
        if (entry === undefined) return r;
        if (!r?.priceRange) return { priceRange: { minValue: entry * 0.999, maxValue: entry * 1.001 } };
        return {
          ...r,
          priceRange: {
            minValue: Math.min(r.priceRange.minValue, entry),
            maxValue: Math.max(r.priceRange.maxValue, entry),
          },
        };
      },
    });
    if (entryLine.current) {
      s.removePriceLine(entryLine.current);
      entryLine.current = null;
    }
    if (entryPrice !== undefined && Number.isFinite(entryPrice)) {
      entryLine.current = s.createPriceLine({
        price: entryPrice,
        color: '#d97706',
        lineWidth: 2,
        lineStyle: LineStyle.Dashed,
        axisLabelVisible: true,
        title: 'entry',
      });
    }
  }, [entryPrice, symbol]);

  return (
    <figure className="chart">
      <div
        ref={box}
        role="img"
        aria-label={`${symbol} mark price chart${entryPrice ? `, entry at ${entryPrice}` : ''}`}
      />
      <figcaption className="small muted">
        {symbol} mark price, live from this page’s opening (every 5 s)
        {entryPrice ? `; dashed line: entry ${entryPrice}` : ''}.
      </figcaption>
    </figure>
  );
}
