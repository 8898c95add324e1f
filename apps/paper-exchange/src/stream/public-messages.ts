import { orderbookView, priceNumber, tickerView } from '../engine/market-views.ts';
import { dec } from '../format.ts';
import { bucketStart, type Candle, STREAM_RESOLUTIONS } from '../market/candles.ts';
import type { Market, PublicTrade } from '../market/market.ts';
import { candles, fundingRatePct, priceBand } from '../market/market-stats.ts';
import type { ProductSpec } from '../market/products.ts';
import type { Endpoint } from './channels.ts';

/**
 * Public channel messages in Delta's shapes: the legacy ones of the private host (`v2/ticker`, `l2_orderbook`,
 * `all_trades`, and the long-form `mark_price`, `candlestick_*`, `funding_rate`) and the compact ones of the
 * public host (`ticker`, `ob_l2`, `trades`, `mark_price`, `candlestick_*`, `funding_rate`, `spot_price`).
 */

const micros = (ms: number) => Math.round(ms * 1000);

export function legacyTicker(p: ProductSpec, market: Market, oi: number) {
  return { ...tickerView(p, market, oi), type: 'v2/ticker' };
}

export function compactTicker(p: ProductSpec, market: Market, oi: number) {
  const t = tickerView(p, market, oi);
  return {
    d: [
      {
        g: null,
        i: p.id,
        m: t.mark_price,
        m24hc: t.mark_change_24h,
        ohlc: [t.open, t.high, t.low, t.close],
        oi: [t.oi_contracts, '0'],
        pb: [t.price_band.lower_limit, t.price_band.upper_limit],
        q: [t.quotes.best_ask, t.quotes.ask_size, t.quotes.best_bid, t.quotes.bid_size, null],
        qiv: null,
        s: p.symbol,
        to: [t.turnover, t.turnover_usd],
      },
    ],
    sp: t.spot_price,
    sy: p.symbol,
    ts: t.timestamp,
    type: 'ticker',
  };
}

export function legacyBook(p: ProductSpec, market: Market, seq: number) {
  const b = orderbookView(p, market, 20);
  const rename = (levels: typeof b.buy) =>
    levels.map((l) => ({ limit_price: l.price, size: l.size, depth: l.depth }));
  return {
    type: 'l2_orderbook',
    symbol: p.symbol,
    product_id: p.id,
    buy: rename(b.buy),
    sell: rename(b.sell),
    last_sequence_no: seq,
    last_updated_at: b.last_updated_at,
    timestamp: micros(market.now()),
  };
}

/** Top 15 levels, [price, size] pairs. */
export function compactBook(p: ProductSpec, market: Market) {
  const b = orderbookView(p, market, 15);
  const pairs = (levels: typeof b.buy) => levels.map((l) => [l.price, String(l.size)]);
  return {
    a: pairs(b.sell),
    b: pairs(b.buy),
    lts: b.last_updated_at,
    sy: p.symbol,
    ts: micros(market.now()),
    type: 'ob_l2',
  };
}

const roles = (t: PublicTrade) =>
  t.side === 'buy' ? { buyer: 'taker', seller: 'maker' } : { buyer: 'maker', seller: 'taker' };

export function legacyTrade(p: ProductSpec, t: PublicTrade) {
  const r = roles(t);
  return {
    symbol: p.symbol,
    price: dec(t.price),
    size: t.size,
    type: 'all_trades',
    buyer_role: r.buyer,
    seller_role: r.seller,
    timestamp: micros(t.time),
  };
}

export function tradesSnapshot(p: ProductSpec, trades: readonly PublicTrade[]) {
  return {
    symbol: p.symbol,
    type: 'all_trades_snapshot',
    trades: [...trades].reverse().map((t) => {
      const r = roles(t);
      return {
        buyer_role: r.buyer,
        seller_role: r.seller,
        size: t.size,
        price: dec(t.price),
        timestamp: micros(t.time),
      };
    }),
  };
}

export function compactTrade(p: ProductSpec, t: PublicTrade, now: number) {
  return {
    p: dec(t.price),
    r: t.side === 'buy' ? 't' : 'm',
    s: t.size,
    sy: p.symbol,
    t: micros(t.time),
    ts: micros(now),
    type: 'trades',
  };
}

export function markMessage(endpoint: Endpoint, p: ProductSpec, market: Market) {
  const mark = market.mark(p.id);
  if (endpoint === 'public') {
    return { p: dec(mark), sy: `MARK:${p.symbol}`, ts: micros(market.now()), type: 'mark_price' };
  }
  const band = priceBand(market, p);
  return {
    type: 'mark_price',
    symbol: `MARK:${p.symbol}`,
    product_id: p.id,
    price: dec(mark),
    price_band: { lower_limit: dec(band.lower), upper_limit: dec(band.upper) },
    timestamp: micros(market.now()),
  };
}

export function spotMessage(p: ProductSpec, market: Market) {
  return { p: dec(market.spot(p.id)), sy: p.spotIndex, ts: micros(market.now()), type: 'spot_price' };
}

export function fundingMessage(
  endpoint: Endpoint,
  p: ProductSpec,
  market: Market,
  next: number,
  every: number,
) {
  const rate = fundingRatePct(market, p);
  if (endpoint === 'public') {
    return {
      fi: every / 1000,
      fr: rate,
      nfr: micros(next),
      sy: p.symbol,
      ts: micros(market.now()),
      type: 'funding_rate',
    };
  }
  return {
    symbol: p.symbol,
    product_id: p.id,
    type: 'funding_rate',
    funding_rate: rate,
    funding_rate_8h: rate,
    next_funding_realization: micros(next),
    predicted_funding_rate: rate,
    timestamp: micros(market.now()),
  };
}

/** The candle in progress of `resolution` for a product (`mark` for MARK: symbols). */
export function currentCandle(
  p: ProductSpec,
  market: Market,
  resolution: string,
  mark: boolean,
): Candle | undefined {
  const res = STREAM_RESOLUTIONS[resolution]!;
  const nowSec = Math.floor(market.now() / 1000);
  const start = bucketStart(nowSec, res);
  return candles(market, p, {
    series: mark ? 'mark' : 'trade',
    fromSec: start,
    toSec: nowSec,
    resSec: res,
  }).at(-1);
}

export function candleMessage(
  endpoint: Endpoint,
  p: ProductSpec,
  market: Market,
  resolution: string,
  mark: boolean,
  c: Candle,
) {
  const symbol = mark ? `MARK:${p.symbol}` : p.symbol;
  const price = (x: number) => priceNumber(p, x);
  if (endpoint === 'public') {
    const msg: Record<string, unknown> = {
      c: price(c.close),
      h: price(c.high),
      l: price(c.low),
      o: price(c.open),
      res: resolution,
      sy: symbol,
      ts: micros(market.now()),
      type: `candlestick_${resolution}`,
    };
    if (!mark) msg.v = c.volume; // "volume not present in Mark Price candlestick"
    return msg;
  }
  return {
    candle_start_time: c.time * 1_000_000,
    close: price(c.close),
    high: price(c.high),
    low: price(c.low),
    open: price(c.open),
    resolution,
    symbol,
    timestamp: micros(market.now()),
    type: `candlestick_${resolution}`,
    volume: c.volume,
  };
}
