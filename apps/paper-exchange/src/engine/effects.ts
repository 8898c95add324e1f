import type { FillRow, OrderRow } from './rows.ts';

/** Why an order changed, in the words of Delta's `orders` channel. */
export type OrderReason = 'fill' | 'stop_update' | 'stop_trigger' | 'stop_cancel' | 'liquidation' | null;

export interface OrderEvent {
  order: OrderRow;
  action: 'create' | 'update' | 'delete';
  reason: OrderReason;
}

export interface FillEvent {
  fill: FillRow;
  /** The position (signed contracts) right after this fill. */
  positionAfter: number;
}

/**
 * What one engine operation changed, collected inside its transaction and published to the streams only after
 * it committed (a rolled-back change is never announced).
 */
export class Effects {
  readonly orders: OrderEvent[] = [];
  readonly fills: FillEvent[] = [];
  /** `${accountId}:${productId}` of every position touched. */
  readonly positions = new Set<string>();
  readonly accounts = new Set<string>();
  /** Fills as public trades (the aggressor's side), put on the market's tape after commit. */
  readonly trades: { productId: number; price: number; size: number; side: 'buy' | 'sell' }[] = [];

  order(order: OrderRow, action: OrderEvent['action'], reason: OrderReason = null): void {
    this.orders.push({ order, action, reason });
    this.accounts.add(order.account_id);
  }

  /** An order's new state after a change: `delete` once it has left the book, `update` otherwise. */
  changed(order: OrderRow, reason: OrderReason): void {
    const gone = order.state === 'closed' || order.state === 'cancelled';
    this.order(order, gone ? 'delete' : 'update', reason);
  }

  fill(fill: FillRow, positionAfter: number): void {
    this.fills.push({ fill, positionAfter });
    this.position(fill.account_id, Number(fill.product_id));
  }

  position(accountId: string, productId: number): void {
    this.positions.add(`${accountId}:${productId}`);
    this.accounts.add(accountId);
  }

  wallet(accountId: string): void {
    this.accounts.add(accountId);
  }

  get empty(): boolean {
    return this.orders.length === 0 && this.fills.length === 0 && this.accounts.size === 0;
  }
}
