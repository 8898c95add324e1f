import { dec, epochMicros, isoMicros, num } from '../format.ts';
import type { Market } from '../market/market.ts';
import {
  ASSETS,
  type AssetSpec,
  maxLeverage,
  type ProductSpec,
  productById,
  USD,
} from '../market/products.ts';
import type { MarginState } from './accounts.ts';
import type { FillRow, OrderRow, PositionRow } from './rows.ts';

/** Wire shapes, field for field as Delta sends them (decimal strings, integer sizes and ids). */

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
    price_band: '2.5',
    state: 'live',
    trading_status: 'operational',
    launch_time: p.launchTime,
    settlement_time: null,
    strike_price: null,
    product_specs: { max_order_size: p.positionSizeLimit },
    underlying_asset: assetView(assetBySymbol(p.underlying)),
    quoting_asset: assetView(USD),
    settling_asset: assetView(USD),
    spot_index: { symbol: `.DEX${p.underlying}USD`, index_type: 'spot_pair' },
  };
}

export function tickerView(p: ProductSpec, market: Market) {
  const s = market.stats(p.id);
  const book = market.book(p);
  const mark = market.mark(p.id);
  return {
    symbol: p.symbol,
    product_id: p.id,
    contract_type: 'perpetual_futures',
    mark_price: dec(mark),
    spot_price: dec(mark),
    close: mark,
    open: s.open,
    high: s.high,
    low: s.low,
    volume: s.volume,
    size: s.volume,
    turnover: s.volume * p.contractValue,
    turnover_symbol: p.underlying,
    turnover_usd: s.volume * p.contractValue * mark,
    oi: '0',
    oi_contracts: '0',
    timestamp: epochMicros(),
    funding_rate: '0.01',
    price_band: { lower_limit: dec(mark * 0.975), upper_limit: dec(mark * 1.025) },
    quotes: {
      best_bid: dec(book.bids[0]!.price),
      best_ask: dec(book.asks[0]!.price),
      bid_size: String(book.bids[0]!.size),
      ask_size: String(book.asks[0]!.size),
    },
  };
}

export function orderbookView(p: ProductSpec, market: Market) {
  const book = market.book(p);
  const side = (levels: { price: number; size: number }[]) => {
    let depth = 0;
    return levels.map((l) => {
      depth += l.size;
      return { price: dec(l.price), size: l.size, depth: String(depth) };
    });
  };
  return { symbol: p.symbol, buy: side(book.bids), sell: side(book.asks), last_updated_at: epochMicros() };
}

export function orderView(o: OrderRow) {
  const p = productById(Number(o.product_id));
  return {
    id: Number(o.id),
    user_id: Number(o.account_id),
    size: Number(o.size),
    unfilled_size: Number(o.unfilled_size),
    side: o.side,
    order_type: o.order_type,
    limit_price: o.limit_price === null ? null : dec(num(o.limit_price)),
    stop_order_type: null,
    stop_price: null,
    paid_commission: dec(num(o.paid_commission)),
    commission: '0',
    reduce_only: o.reduce_only,
    post_only: o.post_only,
    client_order_id: o.client_order_id,
    state: o.state,
    created_at: isoMicros(o.created_at),
    updated_at: isoMicros(o.updated_at),
    product_id: Number(o.product_id),
    product_symbol: p?.symbol ?? null,
    average_fill_price: o.average_fill_price === null ? null : dec(num(o.average_fill_price)),
    time_in_force: o.time_in_force,
    cancellation_reason: o.cancellation_reason,
    bracket_order: null,
    meta_data: { source: 'api' },
  };
}

export function fillView(f: FillRow) {
  const p = productById(Number(f.product_id));
  return {
    id: Number(f.id),
    user_id: Number(f.account_id),
    order_id: String(f.order_id),
    client_order_id: f.client_order_id,
    side: f.side,
    size: Number(f.size),
    price: dec(num(f.price)),
    role: f.role,
    commission: dec(num(f.commission)),
    realized_pnl: dec(num(f.realized_pnl)),
    fill_type: 'normal',
    product_id: Number(f.product_id),
    product_symbol: p?.symbol ?? null,
    created_at: isoMicros(f.created_at),
    notional: p ? dec(f.size * p.contractValue * num(f.price)) : '0',
    settling_asset_symbol: USD.symbol,
    meta_data: {},
  };
}

export function positionView(pos: PositionRow | undefined) {
  return {
    size: pos?.size ?? 0,
    entry_price: pos?.entry_price == null || pos.size === 0 ? null : dec(num(pos.entry_price)),
  };
}

export function marginedPositionView(pos: PositionRow, market: Market, leverage: number) {
  const p = productById(Number(pos.product_id))!;
  const entry = num(pos.entry_price);
  const mark = market.mark(p.id);
  const long = pos.size > 0;
  const im = 1 / leverage;
  const mm = p.maintenanceMargin / 100;
  return {
    user_id: Number(pos.account_id),
    product_id: p.id,
    product_symbol: p.symbol,
    size: pos.size,
    entry_price: dec(entry),
    margin: dec((Math.abs(pos.size) * p.contractValue * entry) / leverage),
    liquidation_price: dec(long ? entry * (1 - im + mm) : entry * (1 + im - mm)),
    bankruptcy_price: dec(long ? entry * (1 - im) : entry * (1 + im)),
    adl_level: null,
    auto_topup: false,
    realized_pnl: dec(num(pos.realized_pnl)),
    realized_funding: '0',
    unrealized_pnl: dec(pos.size * p.contractValue * (mark - entry)),
    mark_price: dec(mark),
    commission: '0',
    leverage: dec(leverage),
    max_leverage: String(maxLeverage(p)),
    created_at: isoMicros(pos.updated_at),
    updated_at: isoMicros(pos.updated_at),
  };
}

export function balanceView(accountId: string, m: MarginState) {
  return {
    id: Number(accountId),
    user_id: Number(accountId),
    asset_id: USD.id,
    asset_symbol: USD.symbol,
    balance: dec(m.balance),
    available_balance: dec(Math.max(0, m.available)),
    available_balance_for_robo: dec(Math.max(0, m.available)),
    blocked_margin: dec(m.positionMargin + m.orderMargin),
    order_margin: dec(m.orderMargin),
    position_margin: dec(m.positionMargin),
    commission: dec(m.commissionPaid),
    cross_asset_liability: '0',
    interest_credit: '0',
    pending_referral_bonus: '0',
    pending_trading_fee_credit: '0',
    portfolio_margin: '0',
    trading_fee_credit: '0',
    unvested_amount: '0',
  };
}
