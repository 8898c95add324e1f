import type { TAccountOrder } from '@delta/contracts';

interface AccountTarget {
  credentialRef: string;
  customerId: string;
  productId: number;
  correlationId: string;
}

/**
 * Plant's port to a customer's exchange account, read by the portal that keeps the key (Plant holds no key outside
 * an approved execution). What a draft shows and checks: the position an exit reduces, the order a cancel
 * cancels. Throws AccountUnavailableError when the portal or the exchange cannot say.
 */
export interface AccountReader {
  /** Signed contracts: > 0 long, < 0 short, 0 flat. */
  openSize(req: AccountTarget): Promise<number>;
  /** The account's order with this exchange id, or null when it has none. */
  order(req: AccountTarget & { orderId: string }): Promise<TAccountOrder | null>;
}

export class AccountUnavailableError extends Error {
  constructor(readonly why: string) {
    super(`the exchange account could not be read: ${why}`);
    this.name = 'AccountUnavailableError';
  }
}
