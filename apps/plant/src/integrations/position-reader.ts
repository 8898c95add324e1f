/**
 * Plant's port to a customer's open position, asked of the portal that keeps the key (Plant holds no key outside
 * an approved execution). Signed contracts: > 0 long, < 0 short, 0 flat. Throws PositionUnavailableError when
 * the portal or the exchange cannot say.
 */
export interface PositionReader {
  openSize(req: {
    credentialRef: string;
    customerId: string;
    productId: number;
    correlationId: string;
  }): Promise<number>;
}

export class PositionUnavailableError extends Error {
  constructor(readonly why: string) {
    super(`the open position could not be read: ${why}`);
    this.name = 'PositionUnavailableError';
  }
}
