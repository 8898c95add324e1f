import { dec, isoMicros, num } from '../format.ts';
import type { Market } from '../market/market.ts';
import { maxLeverage, productById, USD } from '../market/products.ts';
import type { MarginState } from './accounts.ts';
import { isolatedPrices } from './liquidation.ts';
import type { FillRow, OrderRow, PositionRow, TransactionRow } from './rows.ts';

const decOrNull = (v: string | null) => (v === null ? null : dec(num(v)));

/** Account wire shapes, field for field as Delta sends them (decimal strings, integer sizes and ids). */

export function orderView(o: OrderRow) {
  const p = productById(Number(o.product_id));
  return {
    id: Number(o.id),
    user_id: Number(o.account_id),
    size: Number(o.size),
    unfilled_size: Number(o.unfilled_size),
    side: o.side,
    order_type: o.order_type,
    limit_price: decOrNull(o.limit_price),
    stop_order_type: o.stop_order_type,
    stop_price: decOrNull(o.stop_price),
    stop_trigger_method: o.stop_trigger_method,
    trail_amount: null,
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
    bracket_order: o.bracket_order,
    bracket_stop_loss_price: decOrNull(o.bracket_stop_loss_price),
    bracket_stop_loss_limit_price: decOrNull(o.bracket_stop_loss_limit_price),
    bracket_take_profit_price: decOrNull(o.bracket_take_profit_price),
    bracket_take_profit_limit_price: decOrNull(o.bracket_take_profit_limit_price),
    bracket_stop_trigger_method: o.bracket_stop_trigger_method,
    bracket_trail_amount: null,
    meta_data: { source: o.source },
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
    fill_type: f.fill_type,
    product_id: Number(f.product_id),
    product_symbol: p?.symbol ?? null,
    created_at: isoMicros(f.created_at),
    notional: p ? dec(f.size * p.contractValue * num(f.price)) : '0',
    settling_asset_id: USD.id,
    settling_asset_symbol: USD.symbol,
    meta_data: {
      effective_commission_rate: dec(num(f.commission) / (f.size * (p?.contractValue ?? 1) * num(f.price))),
    },
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
  const iso = isolatedPrices(p, pos.size, entry, leverage);
  return {
    user_id: Number(pos.account_id),
    product_id: p.id,
    product_symbol: p.symbol,
    size: pos.size,
    entry_price: dec(entry),
    margin: dec(iso.margin),
    liquidation_price: dec(iso.liquidation),
    bankruptcy_price: dec(iso.bankruptcy),
    adl_level: null,
    auto_topup: false,
    realized_pnl: dec(num(pos.realized_pnl)),
    realized_funding: dec(num(pos.realized_funding)),
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

export function transactionView(t: TransactionRow) {
  return {
    id: Number(t.id),
    amount: dec(num(t.amount)),
    balance: dec(num(t.balance)),
    transaction_type: t.transaction_type,
    meta_data: t.meta_data,
    product_id: t.product_id === null ? null : Number(t.product_id),
    asset_id: USD.id,
    asset_symbol: USD.symbol,
    created_at: isoMicros(t.created_at),
  };
}
