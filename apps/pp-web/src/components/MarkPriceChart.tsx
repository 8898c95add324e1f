import type { TCandleView, TStreamMark } from '@delta/contracts';
import {
  type AutoscaleInfo,
  type CandlestickData,
  CandlestickSeries,
  createChart,
  type IChartApi,
  type IPriceLine,
  type ISeriesApi,
  LineStyle,
  type UTCTimestamp,
} from 'lightweight-charts';
import { useEffect, useRef } from 'react';

const RESOLUTION_S = 60;

/** Unix seconds of a mark's time (µs from the exchange; now when it has none). */
export function markSeconds(m: TStreamMark, now = Date.now()): number {
  const t = m.timestamp_us;
  if (!t) return Math.floor(now / 1000);
  return Math.floor(t > 1e14 ? t / 1e6 : t > 1e11 ? t / 1e3 : t);
}

/**
 * A live mark folded into the candles: the same minute moves the last candle's close (and high/low); a later
 * minute opens a new candle at the previous close. An older mark changes nothing.
 */
export function extendCandle(last: CandlestickData | undefined, m: TStreamMark): CandlestickData | undefined {
  const price = Number(m.mark_price);
  if (!Number.isFinite(price)) return undefined;
  const start = (Math.floor(markSeconds(m) / RESOLUTION_S) * RESOLUTION_S) as UTCTimestamp;
  if (!last) return { time: start, open: price, high: price, low: price, close: price };
  const lastTime = last.time as number;
  if (start < lastTime) return undefined;
  if (start === lastTime) {
    return { ...last, high: Math.max(last.high, price), low: Math.min(last.low, price), close: price };
  }
  return {
    time: start,
    open: last.close,
    high: Math.max(last.close, price),
    low: Math.min(last.close, price),
    close: price,
  };
}

type Line = { price: number | undefined; title: string; color: string };

/**
 * One product's mark price: 1-minute mark candles from the exchange's history, extended by live marks, with the
 * position's entry price (dashed) and liquidation price (dotted) when there is a position.
 */
export function MarkPriceChart({
  symbol,
  candles,
  mark,
  entryPrice,
  liquidationPrice,
}: {
  symbol: string;
  candles: TCandleView[];
  mark?: TStreamMark | undefined;
  entryPrice?: number | undefined;
  liquidationPrice?: number | undefined;
}) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<IChartApi | null>(null);
  const series = useRef<ISeriesApi<'Candlestick'> | null>(null);
  const lastBar = useRef<CandlestickData | undefined>(undefined);
  const lines = useRef<IPriceLine[]>([]);

  useEffect(() => {
    if (!box.current) return;
    const c = createChart(box.current, {
      autoSize: true,
      height: 300,
      layout: { background: { color: '#ffffff' }, textColor: '#1f2933' },
      grid: { vertLines: { color: '#eef1f4' }, horzLines: { color: '#eef1f4' } },
      timeScale: { timeVisible: true, secondsVisible: false },
    });
    chart.current = c;
    series.current = c.addSeries(CandlestickSeries, { title: `${symbol} mark` });
    return () => {
      c.remove();
      chart.current = null;
      series.current = null;
      lines.current = [];
      lastBar.current = undefined;
    };
  }, [symbol]);

  useEffect(() => {
    const data = candles.map((k) => ({
      time: k.time as UTCTimestamp,
      open: k.open,
      high: k.high,
      low: k.low,
      close: k.close,
    }));
    series.current?.setData(data);
    lastBar.current = data[data.length - 1];
  }, [candles]);

  useEffect(() => {
    if (!mark || mark.symbol !== symbol) return;
    const bar = extendCandle(lastBar.current, mark);
    if (!bar) return;
    series.current?.update(bar);
    lastBar.current = bar;
  }, [mark, symbol]);

  useEffect(() => {
    const s = series.current;
    if (!s) return;
    const wanted: Line[] = [
      { price: entryPrice, title: 'entry', color: '#d97706' },
      { price: liquidationPrice, title: 'liquidation', color: '#dc2626' },
    ];
    const shown = wanted.filter((l): l is Line & { price: number } => Number.isFinite(l.price ?? Number.NaN));
    // Keep the lines on screen: the price scale spans the candles and every line.
    s.applyOptions({
      autoscaleInfoProvider: (original: () => AutoscaleInfo | null): AutoscaleInfo | null => {
        const r = original();
        if (shown.length === 0) return r;
        const prices = shown.map((l) => l.price);
        const lo = Math.min(...prices, r?.priceRange?.minValue ?? Number.POSITIVE_INFINITY);
        const hi = Math.max(...prices, r?.priceRange?.maxValue ?? Number.NEGATIVE_INFINITY);
        return { ...r, priceRange: { minValue: lo * 0.999, maxValue: hi * 1.001 } };
      },
    });
    for (const l of lines.current) s.removePriceLine(l);
    lines.current = shown.map((l) =>
      s.createPriceLine({
        price: l.price,
        color: l.color,
        lineWidth: 2,
        lineStyle: l.title === 'entry' ? LineStyle.Dashed : LineStyle.Dotted,
        axisLabelVisible: true,
        title: l.title,
      }),
    );
  }, [entryPrice, liquidationPrice, symbol]);

  const described = [
    entryPrice ? `entry at ${entryPrice}` : '',
    liquidationPrice ? `liquidation at ${liquidationPrice}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  return (
    <figure className="chart">
      <div
        ref={box}
        role="img"
        aria-label={`${symbol} mark price chart${described ? `, ${described}` : ''}`}
      />
      <figcaption className="small muted">
        {symbol} mark price: 1-minute candles of the last hours, extended live
        {entryPrice ? `; dashed: entry ${entryPrice}` : ''}
        {liquidationPrice ? `; dotted: liquidation ${liquidationPrice}` : ''}.
      </figcaption>
    </figure>
  );
}
