import type { PaperExchange } from '../exchange.ts';
import type { MarketTick, PublicTrade } from '../market/market.ts';
import { PRODUCTS, type ProductSpec, productById } from '../market/products.ts';
import { candleResolution, type Endpoint } from './channels.ts';
import type { Conn, StreamHub } from './hub.ts';
import {
  candleMessage,
  compactBook,
  compactTicker,
  compactTrade,
  currentCandle,
  fundingMessage,
  legacyBook,
  legacyTicker,
  legacyTrade,
  markMessage,
  spotMessage,
  tradesSnapshot,
} from './public-messages.ts';

const ENDPOINTS: Endpoint[] = ['private', 'public'];

/**
 * Turns market events into public channel messages. Delta publishes on timers (ticker every 5 s, mark every 2 s,
 * books every 0.5–1 s); the paper exchange publishes on every change instead — at least as often, and a test can
 * wait for the message a move causes. Nothing is computed for a channel nobody follows.
 */
export class PublicFeed {
  private readonly bookSeq = new Map<number, number>();
  /** Open interest per product (contracts), refreshed after fills; tickers read it. */
  private readonly oi = new Map<number, number>();
  private refreshing = false;

  constructor(
    private readonly px: PaperExchange,
    private readonly hub: StreamHub,
  ) {}

  start(): () => void {
    const offMarket = this.px.market.addListener({
      tick: (t) => this.onTick(t),
      trade: (t) => this.onTrade(t),
    });
    const offFx = this.px.onEffects((fx) => {
      if (fx.fills.length > 0) void this.refreshOpenInterest();
    });
    void this.refreshOpenInterest();
    return () => {
      offMarket();
      offFx();
    };
  }

  private async refreshOpenInterest(): Promise<void> {
    if (this.refreshing) return;
    this.refreshing = true;
    try {
      const r = await this.px.db.query<{ product_id: number; oi: string }>(
        'SELECT product_id, sum(size) AS oi FROM px_positions WHERE size > 0 GROUP BY product_id',
      );
      this.oi.clear();
      for (const row of r.rows) this.oi.set(Number(row.product_id), Number(row.oi));
    } catch {
      // a closed database at shutdown: the figure only feeds tickers
    } finally {
      this.refreshing = false;
    }
  }

  private onTick(t: MarketTick): void {
    const p = productById(t.productId);
    if (!p) return;
    const m = this.px.market;
    const oi = this.oi.get(p.id) ?? 0;
    const h = this.hub;
    h.broadcast('private', 'v2/ticker', p.symbol, () => legacyTicker(p, m, oi));
    h.broadcast('public', 'ticker', p.symbol, () => compactTicker(p, m, oi));
    if (h.hasAudience('private', 'l2_orderbook', p.symbol)) {
      const seq = (this.bookSeq.get(p.id) ?? 0) + 1;
      this.bookSeq.set(p.id, seq);
      h.broadcast('private', 'l2_orderbook', p.symbol, () => legacyBook(p, m, seq));
    }
    h.broadcast('public', 'ob_l2', p.symbol, () => compactBook(p, m));
    h.broadcast('public', 'spot_price', p.spotIndex, () => spotMessage(p, m));
    for (const e of ENDPOINTS) {
      h.broadcast(e, 'mark_price', `MARK:${p.symbol}`, () => markMessage(e, p, m));
      h.broadcast(e, 'funding_rate', p.symbol, () => this.funding(e, p));
    }
    this.candles(p, true);
  }

  private onTrade(t: PublicTrade): void {
    const p = productById(t.productId);
    if (!p) return;
    this.hub.broadcast('private', 'all_trades', p.symbol, () => legacyTrade(p, t));
    this.hub.broadcast('public', 'trades', p.symbol, () => compactTrade(p, t, this.px.market.now()));
    this.candles(p, false);
  }

  private funding(e: Endpoint, p: ProductSpec) {
    return fundingMessage(e, p, this.px.market, this.px.nextFundingAt(), this.px.fundingIntervalMs);
  }

  private candles(p: ProductSpec, mark: boolean): void {
    const symbol = mark ? `MARK:${p.symbol}` : p.symbol;
    for (const e of ENDPOINTS) {
      for (const channel of this.hub.activeChannels(e)) {
        const res = candleResolution(channel);
        if (!res || !this.hub.hasAudience(e, channel, symbol)) continue;
        const c = currentCandle(p, this.px.market, res, mark);
        if (c)
          this.hub.broadcast(e, channel, symbol, () => candleMessage(e, p, this.px.market, res, mark, c));
      }
    }
  }

  /** What a new subscriber gets at once: the tape for trades, the current state of prices and books. */
  snapshot(conn: Conn, channel: string, symbols: string[]): void {
    const m = this.px.market;
    for (const s of symbols) {
      if (s === 'all') continue; // "no snapshots are sent for symbol: all"
      const p = PRODUCTS.find((x) => x.symbol === s || `MARK:${x.symbol}` === s || x.spotIndex === s);
      if (!p) continue;
      const e = conn.endpoint;
      const res = candleResolution(channel);
      if (channel === 'all_trades') conn.json(tradesSnapshot(p, m.recentTrades(p.id)));
      else if (channel === 'v2/ticker') conn.json(legacyTicker(p, m, this.oi.get(p.id) ?? 0));
      else if (channel === 'ticker') conn.json(compactTicker(p, m, this.oi.get(p.id) ?? 0));
      else if (channel === 'l2_orderbook') conn.json(legacyBook(p, m, this.bookSeq.get(p.id) ?? 0));
      else if (channel === 'ob_l2') conn.json(compactBook(p, m));
      else if (channel === 'mark_price') conn.json(markMessage(e, p, m));
      else if (channel === 'spot_price') conn.json(spotMessage(p, m));
      else if (channel === 'funding_rate') conn.json(this.funding(e, p));
      else if (res) {
        const mark = s.startsWith('MARK:');
        const c = currentCandle(p, m, res, mark);
        if (c) conn.json(candleMessage(e, p, m, res, mark, c));
      }
    }
  }
}
