import { randomBytes } from 'node:crypto';
import type { Db, Queryable } from '@delta/server-kit';
import { num } from '../format.ts';
import { PRODUCTS, productById } from '../market/products.ts';
import { type AccountRow, POSITION_COLUMNS, type PositionRow } from './rows.ts';

export interface ApiKeyRecord {
  apiKey: string;
  apiSecret: string;
  accountId: string;
  canTrade: boolean;
}

export interface NewApiKey {
  apiKey?: string;
  apiSecret?: string;
  /** 'trade' implies 'read'. Default: both. */
  permissions?: ('read' | 'trade')[];
  /** Starting USD balance (decimal string or number). Default 10,000. */
  balance?: string | number;
  /** Reuse an existing account (a second key for the same user) instead of opening a new one. */
  accountId?: string;
}

/** Opens an account funded with `balance` USD (or reuses one) and issues a key for it. */
export async function createApiKey(
  db: Db,
  input: NewApiKey = {},
): Promise<ApiKeyRecord & { userId: number }> {
  const apiKey = input.apiKey ?? randomBytes(15).toString('hex');
  const apiSecret = input.apiSecret ?? randomBytes(30).toString('hex');
  const canTrade = (input.permissions ?? ['read', 'trade']).includes('trade');
  return db.transaction(async (tx) => {
    // Re-issuing a known key (a restart with the same --api-key) keeps its account and balance.
    const existing = await tx.query<{ account_id: string }>(
      'SELECT account_id FROM px_api_keys WHERE api_key = $1',
      [apiKey],
    );
    let accountId = input.accountId ?? existing.rows[0]?.account_id;
    if (!accountId) {
      const r = await tx.query<{ id: string }>(
        `INSERT INTO px_accounts (email, balance) VALUES ('pending', $1) RETURNING id`,
        [String(input.balance ?? 10_000)],
      );
      accountId = r.rows[0]!.id;
      await tx.query('UPDATE px_accounts SET email = $2 WHERE id = $1', [
        accountId,
        `paper-${accountId}@paper.local`,
      ]);
      // The opening balance is the ledger's first entry, so the wallet always equals its transactions.
      await tx.query(
        `INSERT INTO px_transactions (account_id, transaction_type, amount, balance, meta_data)
         SELECT id, 'deposit', balance, balance, '{}'::jsonb FROM px_accounts WHERE id = $1 AND balance <> 0`,
        [accountId],
      );
    }
    await tx.query(
      `INSERT INTO px_api_keys (api_key, api_secret, account_id, can_trade) VALUES ($1, $2, $3, $4)
       ON CONFLICT (api_key) DO UPDATE SET api_secret = EXCLUDED.api_secret, can_trade = EXCLUDED.can_trade`,
      [apiKey, apiSecret, accountId, canTrade],
    );
    const owner = await tx.query<{ account_id: string }>(
      'SELECT account_id FROM px_api_keys WHERE api_key = $1',
      [apiKey],
    );
    const finalAccount = owner.rows[0]!.account_id;
    return { apiKey, apiSecret, accountId: finalAccount, canTrade, userId: Number(finalAccount) };
  });
}

export async function findApiKey(db: Queryable, apiKey: string): Promise<ApiKeyRecord | undefined> {
  const r = await db.query<{ api_key: string; api_secret: string; account_id: string; can_trade: boolean }>(
    'SELECT api_key, api_secret, account_id, can_trade FROM px_api_keys WHERE api_key = $1',
    [apiKey],
  );
  const row = r.rows[0];
  return row
    ? { apiKey: row.api_key, apiSecret: row.api_secret, accountId: row.account_id, canTrade: row.can_trade }
    : undefined;
}

/** Serialises every balance-changing operation of one account (orders, fills, cancels) across connections. */
export async function lockAccount(tx: Queryable, accountId: string): Promise<AccountRow> {
  const r = await tx.query<AccountRow>(
    'SELECT id, email, balance, commission_paid, created_at FROM px_accounts WHERE id = $1 FOR UPDATE',
    [accountId],
  );
  const row = r.rows[0];
  if (!row) throw new Error(`account ${accountId} vanished`);
  return row;
}

export async function getAccount(db: Queryable, accountId: string): Promise<AccountRow> {
  const r = await db.query<AccountRow>(
    'SELECT id, email, balance, commission_paid, created_at FROM px_accounts WHERE id = $1',
    [accountId],
  );
  return r.rows[0]!;
}

export async function leverageMap(db: Queryable, accountId: string): Promise<Map<number, number>> {
  const r = await db.query<{ product_id: number; leverage: string }>(
    'SELECT product_id, leverage FROM px_leverage WHERE account_id = $1',
    [accountId],
  );
  const out = new Map<number, number>();
  for (const p of PRODUCTS) out.set(p.id, p.defaultLeverage);
  for (const row of r.rows) out.set(Number(row.product_id), num(row.leverage));
  return out;
}

export async function setLeverage(db: Queryable, accountId: string, productId: number, leverage: number) {
  await db.query(
    `INSERT INTO px_leverage (account_id, product_id, leverage) VALUES ($1, $2, $3)
     ON CONFLICT (account_id, product_id) DO UPDATE SET leverage = EXCLUDED.leverage`,
    [accountId, productId, leverage],
  );
}

export async function positions(db: Queryable, accountId: string): Promise<PositionRow[]> {
  const r = await db.query<PositionRow>(
    `SELECT ${POSITION_COLUMNS} FROM px_positions WHERE account_id = $1 ORDER BY product_id`,
    [accountId],
  );
  return r.rows.map((row) => ({ ...row, product_id: Number(row.product_id), size: Number(row.size) }));
}

export interface MarginState {
  balance: number;
  positionMargin: number;
  orderMargin: number;
  available: number;
  commissionPaid: number;
}

/**
 * Isolated-style margin per product at the chosen leverage: positions block |size|·cv·entry/leverage, resting
 * orders block their own notional/leverage; the rest of the balance is available.
 */
export async function marginState(
  db: Queryable,
  account: AccountRow,
  /** An order being (re)executed: its own margin is what is being computed, so it is left out. */
  excludeOrderId?: string,
): Promise<MarginState> {
  const lev = await leverageMap(db, account.id);
  let positionMargin = 0;
  for (const pos of await positions(db, account.id)) {
    const p = productById(pos.product_id);
    if (!p || pos.size === 0) continue;
    positionMargin += (Math.abs(pos.size) * p.contractValue * num(pos.entry_price)) / (lev.get(p.id) ?? 1);
  }
  const o = await db.query<{
    product_id: number;
    unfilled_size: number;
    limit_price: string;
    leverage: string;
  }>(
    `SELECT product_id, unfilled_size, limit_price, leverage FROM px_orders
     WHERE account_id = $1 AND state = 'open' AND reduce_only = false AND order_type = 'limit_order'
       AND ($2::bigint IS NULL OR id <> $2::bigint)`,
    [account.id, excludeOrderId ?? null],
  );
  let orderMargin = 0;
  for (const row of o.rows) {
    const p = productById(Number(row.product_id));
    if (!p) continue;
    orderMargin += (row.unfilled_size * p.contractValue * num(row.limit_price)) / num(row.leverage);
  }
  const balance = num(account.balance);
  return {
    balance,
    positionMargin,
    orderMargin,
    available: balance - positionMargin - orderMargin,
    commissionPaid: num(account.commission_paid),
  };
}
