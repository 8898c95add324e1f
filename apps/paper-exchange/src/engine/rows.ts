/** Row shapes as they come back from the database (int8 and numeric as strings). */

export interface AccountRow {
  id: string;
  email: string;
  balance: string;
  commission_paid: string;
  created_at: Date;
}

export interface OrderRow {
  id: string;
  account_id: string;
  product_id: number;
  client_order_id: string | null;
  side: 'buy' | 'sell';
  order_type: 'limit_order' | 'market_order';
  size: number;
  unfilled_size: number;
  limit_price: string | null;
  time_in_force: 'gtc' | 'ioc';
  post_only: boolean;
  reduce_only: boolean;
  state: 'open' | 'pending' | 'closed' | 'cancelled';
  average_fill_price: string | null;
  paid_commission: string;
  leverage: string;
  cancellation_reason: string | null;
  created_at: Date;
  updated_at: Date;
  stop_order_type: 'stop_loss_order' | 'take_profit_order' | null;
  stop_price: string | null;
  stop_trigger_method: TriggerMethod | null;
  bracket_stop_loss_price: string | null;
  bracket_stop_loss_limit_price: string | null;
  bracket_take_profit_price: string | null;
  bracket_take_profit_limit_price: string | null;
  bracket_stop_trigger_method: TriggerMethod | null;
  bracket_order: boolean;
  bracket_group: string | null;
  source: 'api' | 'bracket' | 'liquidation';
}

export type TriggerMethod = 'mark_price' | 'last_traded_price' | 'spot_price';

export interface FillRow {
  id: string;
  order_id: string;
  account_id: string;
  product_id: number;
  side: 'buy' | 'sell';
  size: number;
  price: string;
  role: 'taker' | 'maker';
  commission: string;
  realized_pnl: string;
  created_at: Date;
  client_order_id: string | null;
  fill_type: 'normal' | 'liquidation';
}

export interface PositionRow {
  account_id: string;
  product_id: number;
  size: number;
  entry_price: string | null;
  realized_pnl: string;
  realized_funding: string;
  updated_at: Date;
}

export const ORDER_COLUMNS = `id, account_id, product_id, client_order_id, side, order_type, size, unfilled_size,
  limit_price, time_in_force, post_only, reduce_only, state, average_fill_price, paid_commission, leverage,
  cancellation_reason, created_at, updated_at, stop_order_type, stop_price, stop_trigger_method,
  bracket_stop_loss_price, bracket_stop_loss_limit_price, bracket_take_profit_price, bracket_take_profit_limit_price,
  bracket_stop_trigger_method, bracket_order, bracket_group, source`;

export const FILL_COLUMNS = `f.id, f.order_id, f.account_id, f.product_id, f.side, f.size, f.price, f.role, f.commission,
  f.realized_pnl, f.created_at, f.fill_type, o.client_order_id`;

export const POSITION_COLUMNS =
  'account_id, product_id, size, entry_price, realized_pnl, realized_funding, updated_at';

export interface TransactionRow {
  id: string;
  account_id: string;
  product_id: number | null;
  transaction_type: string;
  amount: string;
  balance: string;
  meta_data: Record<string, unknown>;
  created_at: Date;
}
