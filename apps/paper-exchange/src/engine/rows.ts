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
}

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
}

export interface PositionRow {
  account_id: string;
  product_id: number;
  size: number;
  entry_price: string | null;
  realized_pnl: string;
  updated_at: Date;
}

export const ORDER_COLUMNS = `id, account_id, product_id, client_order_id, side, order_type, size, unfilled_size,
  limit_price, time_in_force, post_only, reduce_only, state, average_fill_price, paid_commission, leverage,
  cancellation_reason, created_at, updated_at`;
