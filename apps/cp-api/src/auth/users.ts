import { type Queryable, randomId } from '@delta/server-kit';

export interface CustomerUser {
  user_id: string;
  customer_id: string;
  email: string;
  disabled: boolean;
}

export function newCustomerUserId(): string {
  return randomId('cpu_', 'hex', 12);
}

const COLUMNS = 'user_id, customer_id, email, disabled';

/**
 * Creates the user and uses the invitation up in one transaction (the caller's): the jti's primary key makes a
 * second sign-up with the same invitation fail, and the e-mail's unique key a second account for one address.
 * Returns the constraint that refused, if any.
 */
export async function insertInvitedUser(
  tx: Queryable,
  u: { customer_id: string; email: string; password_hash: string; jti: string },
): Promise<{ user: CustomerUser } | { conflict: 'email' | 'invite' }> {
  const user = await tx.query<CustomerUser>(
    `INSERT INTO cp_users (user_id, customer_id, email, password_hash) VALUES ($1, $2, $3, $4)
     ON CONFLICT (email) DO NOTHING RETURNING ${COLUMNS}`,
    [newCustomerUserId(), u.customer_id, u.email, u.password_hash],
  );
  const created = user.rows[0];
  if (!created) return { conflict: 'email' };
  const used = await tx.query(
    `INSERT INTO cp_invites_used (jti, customer_id, user_id) VALUES ($1, $2, $3)
     ON CONFLICT (jti) DO NOTHING RETURNING jti`,
    [u.jti, u.customer_id, created.user_id],
  );
  if (used.rows.length === 0) return { conflict: 'invite' };
  return { user: created };
}

export async function inviteUsed(db: Queryable, jti: string): Promise<boolean> {
  const r = await db.query('SELECT 1 FROM cp_invites_used WHERE jti = $1', [jti]);
  return r.rows.length > 0;
}

export async function findUserByEmail(
  db: Queryable,
  email: string,
): Promise<(CustomerUser & { password_hash: string }) | undefined> {
  const r = await db.query<CustomerUser & { password_hash: string }>(
    `SELECT ${COLUMNS}, password_hash FROM cp_users WHERE email = $1`,
    [email.toLowerCase()],
  );
  return r.rows[0];
}

export async function findUser(db: Queryable, userId: string): Promise<CustomerUser | undefined> {
  const r = await db.query<CustomerUser>(`SELECT ${COLUMNS} FROM cp_users WHERE user_id = $1`, [userId]);
  return r.rows[0];
}

/** Which second factors a user has: passkeys (how many) and a confirmed authenticator app. */
export async function factorsOf(db: Queryable, userId: string): Promise<{ passkeys: number; totp: boolean }> {
  const r = await db.query<{ passkeys: string; totp: boolean }>(
    `SELECT (SELECT count(*) FROM cp_passkeys WHERE user_id = $1)::text AS passkeys,
            EXISTS (SELECT 1 FROM cp_totp WHERE user_id = $1 AND confirmed_at IS NOT NULL) AS totp`,
    [userId],
  );
  return { passkeys: Number(r.rows[0]?.passkeys ?? 0), totp: r.rows[0]?.totp === true };
}
