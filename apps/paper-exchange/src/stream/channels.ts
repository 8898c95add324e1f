import { STREAM_RESOLUTIONS } from '../market/candles.ts';
import { PRODUCTS, productBySpotIndex, productBySymbol } from '../market/products.ts';

/**
 * The channel catalogue. Delta runs two socket hosts: the private one (`wss://socket.india.delta.exchange`: key-auth,
 * private channels, and the legacy public channels until 31 July 2026) and the public one
 * (`wss://public-socket.india.delta.exchange`: the new, compact public channels). The paper exchange serves both
 * on its own port: `/` is the private host, `/public` the public host.
 */

export type Endpoint = 'private' | 'public';

export type SymbolRule =
  /** Product symbols or "all" (`v2/ticker`, `all_trades`, private channels). */
  | 'products'
  /** Product symbols only (`l2_orderbook`, `ob_l2`: "all" is not accepted). */
  | 'products-only'
  /** `MARK:` + product symbol, or "all" (`mark_price`). */
  | 'mark'
  /** Product symbols, `MARK:` symbols (mark candles) (`candlestick_*`). */
  | 'candles'
  /** Spot index symbols (`spot_price`: "all" sends nothing). */
  | 'index'
  /** No symbols (`margins`, `system_status`). */
  | 'none';

export interface ChannelSpec {
  name: string;
  endpoints: Endpoint[];
  private: boolean;
  symbols: SymbolRule;
}

const spec = (name: string, endpoints: Endpoint[], symbols: SymbolRule, priv = false): ChannelSpec => ({
  name,
  endpoints,
  private: priv,
  symbols,
});

const BOTH: Endpoint[] = ['private', 'public'];
const CHANNELS = new Map<string, ChannelSpec>(
  [
    spec('v2/ticker', ['private'], 'products'),
    spec('l2_orderbook', ['private'], 'products-only'),
    spec('all_trades', ['private'], 'products'),
    spec('ticker', ['public'], 'products'),
    spec('ob_l2', ['public'], 'products-only'),
    spec('trades', ['public'], 'products'),
    spec('spot_price', ['public'], 'index'),
    spec('mark_price', BOTH, 'mark'),
    spec('funding_rate', BOTH, 'products'),
    spec('system_status', BOTH, 'none'),
    spec('orders', ['private'], 'products', true),
    spec('positions', ['private'], 'products', true),
    spec('v2/user_trades', ['private'], 'products', true),
    spec('margins', ['private'], 'none', true),
  ].map((c) => [c.name, c]),
);

/** `candlestick_1m` … `candlestick_1w`: the resolution, or undefined when not a candle channel. */
export function candleResolution(channel: string): string | undefined {
  const m = /^candlestick_(\w+)$/.exec(channel);
  return m && m[1]! in STREAM_RESOLUTIONS ? m[1] : undefined;
}

export function channelSpec(name: string): ChannelSpec | undefined {
  if (candleResolution(name)) return spec(name, BOTH, 'candles');
  return CHANNELS.get(name);
}

/** The symbols that are not valid for this channel (empty when all are). */
export function invalidSymbols(c: ChannelSpec, symbols: string[]): string[] {
  return symbols.filter((s) => {
    switch (c.symbols) {
      case 'products':
        return s !== 'all' && !productBySymbol(s);
      case 'products-only':
        return !productBySymbol(s);
      case 'mark':
        return s !== 'all' && !(s.startsWith('MARK:') && productBySymbol(s.slice(5)));
      case 'candles':
        return !productBySymbol(s.startsWith('MARK:') ? s.slice(5) : s);
      case 'index':
        return !productBySpotIndex(s);
      case 'none':
        return false;
    }
    return true;
  });
}

/** Every symbol a channel can carry for a product (the fan-out keys a product's updates are sent under). */
export function symbolKeys(productId: number): { product: string; mark: string; index: string } {
  const p = PRODUCTS.find((x) => x.id === productId)!;
  return { product: p.symbol, mark: `MARK:${p.symbol}`, index: p.spotIndex };
}
