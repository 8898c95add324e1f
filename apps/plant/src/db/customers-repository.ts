import type { Queryable } from '@delta/server-kit';

export interface CustomerRow {
  customer_id: string;
  display_name: string;
  email: string | null;
  created_at: Date;
  created_by: string;
}

const COLUMNS = 'customer_id, display_name, email, created_at, created_by';

/**
 * Inserts a customer; undefined when the email is already taken. Any other conflict (an id collision, which
 * 128 random bits make a non-event) still throws rather than being mistaken for a taken email.
 */
export async function insertCustomer(q: Queryable, row: CustomerRow): Promise<CustomerRow | undefined> {
  const r = await q.query<CustomerRow>(
    `INSERT INTO customers (customer_id, display_name, email, created_at, created_by)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (email) DO NOTHING
     RETURNING ${COLUMNS}`,
    [row.customer_id, row.display_name, row.email, row.created_at, row.created_by],
  );
  return r.rows[0];
}

export async function findCustomerById(q: Queryable, customerId: string): Promise<CustomerRow | undefined> {
  const r = await q.query<CustomerRow>(`SELECT ${COLUMNS} FROM customers WHERE customer_id = $1`, [
    customerId,
  ]);
  return r.rows[0];
}

/** Oldest first; keyset pagination on (created_at, customer_id), so pages stay stable while customers are added. */
export async function listCustomers(
  q: Queryable,
  page: { after?: { createdAt: Date; customerId: string } | undefined; limit: number },
): Promise<CustomerRow[]> {
  const r = await q.query<CustomerRow>(
    `SELECT ${COLUMNS} FROM customers
     WHERE $1::timestamptz IS NULL OR (created_at, customer_id) > ($1::timestamptz, $2::text)
     ORDER BY created_at, customer_id
     LIMIT $3`,
    [page.after?.createdAt ?? null, page.after?.customerId ?? null, page.limit],
  );
  return r.rows;
}
