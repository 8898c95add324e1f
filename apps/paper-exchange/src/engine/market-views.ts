import { dec, epochMicros } from '../format.ts';
import type { Candle } from '../market/candles.ts';
import type { Market } from '../market/market.ts';
import { dayStats, fundingRatePct, priceBand } from '../market/market-stats.ts';
import { ASSETS, type AssetSpec, type ProductSpec, USD } from '../market/products.ts';

/** Public market data in Delta's wire shapes (decimal strings where Delta sends strings, numbers where numbers). */

export function assetView(a: AssetSpec) {
  return {
    id: a.id,
    symbol: a.symbol,
    name: a.name,
    precision: a.precision,
    minimum_precision: 2,
    deposit_status: 'enabled',
    withdrawal_status: 'enabled',
    base_withdrawal_fee: '0',
    min_withdrawal_amount: '0',
    networks: [],
  };
}

const assetBySymbol = (s: string) => ASSETS.find((a) => a.symbol === s)!;

export function productView(p: ProductSpec) {
  return {
    id: p.id,
    symbol: p.symbol,
    description: p.description,
    short_description: `${p.underlying} Perpetual`,
    contract_type: 'perpetual_futures',
    contract_value: p.contractValueText,
    contract_unit_currency: p.underlying,
    tick_size: p.tickSizeText,
    initial_margin: dec(p.initialMargin),
    maintenance_margin: dec(p.maintenanceMargin),
    initial_margin_scaling_factor: '0.0001',
    maintenance_margin_scaling_factor: '0.00005',
    default_leverage: dec(p.defaultLeverage),
    max_leverage_notional: '20000000',
    position_size_limit: p.positionSizeLimit,
    impact_size: 10000,
    taker_commission_rate: dec(p.takerRate),
    maker_commission_rate: dec(p.makerRate),
    liquidation_penalty_factor: '0.5',
    notional_type: 'vanilla',
    is_quanto: false,
    funding_method: 'mark_price',
    annualized_funding: '10.95',
    basis_factor_max_limit: '10.95',
    price_band: dec(p.priceBandPct),
    state: 'live',
    trading_status: 'operational',
    launch_time: p.launchTime,
    settlement_time: null,
    strike_price: null,
    product_specs: {
      max_order_size: p.positionSizeLimit,
      funding_clamp_value: p.fundingClampPct,
      only_reduce_only_orders_allowed: false,
      rate_exchange_interval: 28_800,
      isolated_liq_penalty_factor: 0.01,
    },
    underlying_asset: assetView(assetBySymbol(p.underlying)),
    quoting_asset: assetView(USD),
    settling_asset: assetView(USD),
    spot_index: { symbol: p.spotIndex, index_type: 'spot_pair', tick_size: p.tickSizeText },
  };
}

/** A price as a JSON number without binary noise (3000.0500000000002 → 3000.05). */
export function priceNumber(p: ProductSpec, x: number): number {
  const decimals = (p.tickSizeText.split('.')[1] ?? '').length;
  return Number(x.toFixed(decimals));
}

export function tickerView(p: ProductSpec, market: Market, oiContracts = 0) {
  const s = dayStats(market, p);
  const book = market.book(p);
  const mark = market.mark(p.id);
  const band = priceBand(market, p);
  return {
    symbol: p.symbol,
    product_id: p.id,
    contract_type: 'perpetual_futures',
    mark_price: dec(mark),
    spot_price: dec(market.spot(p.id)),
    close: priceNumber(p, s.close),
    open: priceNumber(p, s.open),
    high: priceNumber(p, s.high),
    low: priceNumber(p, s.low),
    size: s.size,
    volume: s.size,
    turnover: Number(s.turnoverUsd.toFixed(2)),
    turnover_symbol: USD.symbol,
    turnover_usd: Number(s.turnoverUsd.toFixed(2)),
    mark_change_24h: dec(s.markChangePct, 4),
    ltp_change_24h: dec(((s.close - s.open) / s.open) * 100, 4),
    oi: dec(oiContracts * p.contractValue),
    oi_contracts: String(oiContracts),
    oi_value: dec(oiContracts * p.contractValue * mark, 4),
    oi_value_symbol: USD.symbol,
    oi_value_usd: dec(oiContracts * p.contractValue * mark, 4),
    timestamp: epochMicros(new Date(market.now())),
    funding_rate: dec(fundingRatePct(market, p), 8),
    greeks: null,
    price_band: { lower_limit: dec(band.lower), upper_limit: dec(band.upper) },
    quotes: {
      best_bid: dec(book.bids[0]!.price),
      best_ask: dec(book.asks[0]!.price),
      bid_size: String(book.bids[0]!.size),
      ask_size: String(book.asks[0]!.size),
      impact_mid_price: dec((book.bids[0]!.price + book.asks[0]!.price) / 2),
    },
  };
}

export function orderbookView(p: ProductSpec, market: Market, depth: number) {
  const book = market.book(p);
  const side = (levels: { price: number; size: number }[]) => {
    let total = 0;
    return levels.slice(0, depth).map((l) => {
      total += l.size;
      return { price: dec(l.price), size: l.size, depth: String(total) };
    });
  };
  return {
    symbol: p.symbol,
    buy: side(book.bids),
    sell: side(book.asks),
    last_updated_at: epochMicros(new Date(market.now())),
  };
}

export function candleView(p: ProductSpec, c: Candle) {
  return {
    time: c.time,
    open: priceNumber(p, c.open),
    high: priceNumber(p, c.high),
    low: priceNumber(p, c.low),
    close: priceNumber(p, c.close),
    volume: c.volume,
  };
}
