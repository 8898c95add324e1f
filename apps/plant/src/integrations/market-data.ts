/** What the trading skill needs to know about one futures product. Decimals are strings, as Delta sends them. */
export interface ProductSpec {
  id: number;
  symbol: string;
  /** The coin the contract is on (BTC for BTCUSD). */
  underlying_asset: string;
  /** Underlying per contract, e.g. "0.001" BTC. */
  contract_value: string;
  tick_size: string;
  /** Initial margin as a percentage of notional, e.g. "0.5" (= 200× max leverage). */
  initial_margin: string;
  /** Leverage used for margin estimates when the hired agent's setup names none. */
  default_leverage: number;
  max_leverage: number;
  /**
   * The exchange's allowed price band: a limit price must lie within ± this percentage of the mark price
   * (Delta's `price_band`; the exchange also allows ±2σ of the 15-minute mark when that is wider). Undefined when
   * the catalogue gives none.
   */
  price_band_pct?: string;
  state: 'live' | 'expired' | 'upcoming';
}

/**
 * Plant's port to exchange market data. `productForCoin` answers undefined when the catalogue has no such
 * product (a definitive "unknown"); both methods throw MarketDataUnavailableError when the source cannot answer.
 */
export interface MarketData {
  productForCoin(coin: string): Promise<ProductSpec | undefined>;
  /** Current mark price as a decimal string. */
  markPrice(symbol: string): Promise<string>;
}

/** The source of products or prices cannot answer now (not "no such product": that is undefined). */
export class MarketDataUnavailableError extends Error {
  /** Prices come back within seconds; a caller may say when to try again. */
  readonly retryAfterS = 5;
  constructor(detail: string) {
    super(detail);
    this.name = 'MarketDataUnavailableError';
  }
}

/** A source of mark prices; tests inject fixed prices, production plugs in the Delta client's tickers. */
export type PriceSource = (symbol: string) => Promise<string | undefined>;

/** Delta Exchange India production perpetuals (see shared/delta-exchange-api.md). */
export const DELTA_INDIA_PRODUCTS: readonly ProductSpec[] = [
  {
    id: 27,
    symbol: 'BTCUSD',
    underlying_asset: 'BTC',
    contract_value: '0.001',
    tick_size: '0.5',
    initial_margin: '0.5',
    default_leverage: 10,
    max_leverage: 200,
    state: 'live',
  },
  {
    id: 3136,
    symbol: 'ETHUSD',
    underlying_asset: 'ETH',
    contract_value: '0.01',
    tick_size: '0.05',
    initial_margin: '0.5',
    default_leverage: 10,
    max_leverage: 200,
    state: 'live',
  },
];

const DECIMAL = /^(0|[1-9]\d{0,14})(\.\d{1,8})?$/;

/**
 * A fixed product catalogue with an injected price source — the stand-in until the Delta-client-backed
 * implementation lands. A price that is missing or not a positive decimal string is "unavailable", never a guess.
 */
export function createStaticMarketData(
  prices: PriceSource,
  products: readonly ProductSpec[] = DELTA_INDIA_PRODUCTS,
): MarketData {
  const byCoin = new Map(products.map((p) => [p.underlying_asset, p]));
  return {
    async productForCoin(coin) {
      return byCoin.get(coin);
    },
    async markPrice(symbol) {
      let price: string | undefined;
      try {
        price = await prices(symbol);
      } catch (err) {
        throw new MarketDataUnavailableError(
          `The mark price of ${symbol} could not be fetched: ${String(err)}`,
        );
      }
      if (price === undefined || !DECIMAL.test(price) || !/[1-9]/.test(price)) {
        throw new MarketDataUnavailableError(`No usable mark price for ${symbol} right now.`);
      }
      return price;
    },
  };
}

/** Prices from a plain map (tests, demo). */
export function fixedPrices(prices: Record<string, string>): PriceSource {
  return async (symbol) => prices[symbol];
}
