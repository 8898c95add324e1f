import type { Queryable } from '@delta/server-kit';
import { dec } from '../format.ts';

/** Delta's wallet transaction types the paper exchange produces. */
export type TransactionType = 'deposit' | 'cashflow' | 'commission' | 'funding' | 'liquidation_fee';

export interface LedgerEntry {
  type: TransactionType;
  /** Signed: + credited, − debited. */
  amount: number;
  productId?: number;
  meta?: Record<string, unknown>;
}

/**
 * Every change of a balance goes through here, inside the caller's transaction (the account row is locked): the
 * balance moves and a transaction row records the amount and the balance after it. So the wallet always equals the
 * sum of its transactions, which is what the reconciliation tests check.
 */
export async function post(tx: Queryable, accountId: string, e: LedgerEntry): Promise<void> {
  if (dec(e.amount, 8) === '0') return;
  const amount = dec(e.amount, 8);
  const r = await tx.query<{ balance: string }>(
    'UPDATE px_accounts SET balance = balance + $2 WHERE id = $1 RETURNING balance',
    [accountId, amount],
  );
  await tx.query(
    `INSERT INTO px_transactions (account_id, product_id, transaction_type, amount, balance, meta_data)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [accountId, e.productId ?? null, e.type, amount, r.rows[0]!.balance, JSON.stringify(e.meta ?? {})],
  );
}
