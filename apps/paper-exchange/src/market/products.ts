/**
 * The listed products and assets, with Delta Exchange India's contract specs (see delta-exchange-api.md).
 * Margined and settled in USD.
 */

export interface AssetSpec {
  id: number;
  symbol: string;
  name: string;
  precision: number;
}

export const ASSETS: readonly AssetSpec[] = [
  { id: 14, symbol: 'USD', name: 'US Dollar', precision: 8 },
  { id: 1, symbol: 'BTC', name: 'Bitcoin', precision: 8 },
  { id: 2, symbol: 'ETH', name: 'Ethereum', precision: 8 },
];

export const USD = ASSETS[0]!;

export interface ProductSpec {
  id: number;
  symbol: string;
  description: string;
  underlying: string;
  contractValue: number;
  contractValueText: string;
  tickSize: number;
  tickSizeText: string;
  /** Percent of notional. */
  initialMargin: number;
  maintenanceMargin: number;
  defaultLeverage: number;
  positionSizeLimit: number;
  takerRate: number;
  makerRate: number;
  /** Where the mark starts on a fresh database. */
  startPrice: number;
  /** Long-run volatility of the simulated price per minute (fraction of price; BTC ≈ 3 %/day ≈ 0.08 %/min). */
  volatility: number;
  launchTime: string;
  /** Delta's `price_band`: ± this percent of the mark is always allowed (the 2σ band may be wider). */
  priceBandPct: number;
  /** Delta's `product_specs.funding_clamp_value` (percent): the clamp in the funding formula. */
  fundingClampPct: number;
  /** The spot index this perpetual tracks (Delta's `spot_index.symbol`). */
  spotIndex: string;
  /** Average simulated public volume, contracts per minute. */
  volumePerMin: number;
}

export const PRODUCTS: readonly ProductSpec[] = [
  {
    id: 27,
    symbol: 'BTCUSD',
    description: 'Bitcoin Perpetual futures, quoted, settled & margined in US Dollar',
    underlying: 'BTC',
    contractValue: 0.001,
    contractValueText: '0.001',
    tickSize: 0.5,
    tickSizeText: '0.5',
    initialMargin: 0.5,
    maintenanceMargin: 0.25,
    defaultLeverage: 10,
    positionSizeLimit: 229_000,
    takerRate: 0.0005,
    makerRate: 0.0002,
    startPrice: 60_000,
    volatility: 0.0008,
    launchTime: '2023-06-01T00:00:00Z',
    priceBandPct: 2.5,
    fundingClampPct: 0.05,
    spotIndex: '.DEXBTUSD',
    volumePerMin: 1_200,
  },
  {
    id: 3136,
    symbol: 'ETHUSD',
    description: 'Ethereum Perpetual futures, quoted, settled & margined in US Dollar',
    underlying: 'ETH',
    contractValue: 0.01,
    contractValueText: '0.01',
    tickSize: 0.05,
    tickSizeText: '0.05',
    initialMargin: 1,
    maintenanceMargin: 0.5,
    defaultLeverage: 10,
    positionSizeLimit: 160_000,
    takerRate: 0.0005,
    makerRate: 0.0002,
    startPrice: 3_000,
    volatility: 0.001,
    launchTime: '2023-06-01T00:00:00Z',
    priceBandPct: 2.5,
    fundingClampPct: 0.05,
    spotIndex: '.DEETHUSD',
    volumePerMin: 800,
  },
];

export function productById(id: number): ProductSpec | undefined {
  return PRODUCTS.find((p) => p.id === id);
}

export function productBySymbol(symbol: string): ProductSpec | undefined {
  return PRODUCTS.find((p) => p.symbol === symbol);
}

/** A product by its spot index symbol (`.DEXBTUSD`): index-price candles. */
export function productBySpotIndex(symbol: string): ProductSpec | undefined {
  return PRODUCTS.find((p) => p.spotIndex === symbol);
}

/** `/v2/products/{x}` and leverage routes accept a symbol or a numeric id. */
export function productByRef(ref: string): ProductSpec | undefined {
  return /^\d+$/.test(ref) ? productById(Number(ref)) : productBySymbol(ref);
}

export function maxLeverage(p: ProductSpec): number {
  return Math.floor(100 / p.initialMargin);
}
