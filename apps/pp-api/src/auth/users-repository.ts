import { createHash, randomBytes } from 'node:crypto';
import type { TOpsRole } from '@delta/contracts';
import { type Queryable, randomId } from '@delta/server-kit';

export interface OpsUser {
  user_id: string;
  username: string;
  display_name: string;
  role: TOpsRole;
  disabled: boolean;
}

interface UserRow extends OpsUser {
  password_hash: string;
}

export function newUserId(): string {
  return randomId('usr_', 'hex', 12);
}

export async function insertUser(
  db: Queryable,
  u: { username: string; display_name: string; role: TOpsRole; password_hash: string },
): Promise<OpsUser> {
  const r = await db.query<OpsUser>(
    `INSERT INTO ops_users (user_id, username, display_name, role, password_hash)
     VALUES ($1, $2, $3, $4, $5) RETURNING user_id, username, display_name, role, disabled`,
    [newUserId(), u.username.toLowerCase(), u.display_name, u.role, u.password_hash],
  );
  return r.rows[0]!;
}

export async function findUserByUsername(db: Queryable, username: string): Promise<UserRow | undefined> {
  const r = await db.query<UserRow>(
    'SELECT user_id, username, display_name, role, disabled, password_hash FROM ops_users WHERE username = $1',
    [username.toLowerCase()],
  );
  return r.rows[0];
}

export async function listUsers(db: Queryable): Promise<OpsUser[]> {
  const r = await db.query<OpsUser>(
    'SELECT user_id, username, display_name, role, disabled FROM ops_users ORDER BY username',
  );
  return r.rows;
}

export async function setPassword(db: Queryable, userId: string, passwordHash: string): Promise<void> {
  await db.query('UPDATE ops_users SET password_hash = $2, updated_at = now() WHERE user_id = $1', [
    userId,
    passwordHash,
  ]);
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export async function createSession(
  db: Queryable,
  userId: string,
  ttlSeconds: number,
): Promise<{ token: string; expires_at: Date }> {
  const token = randomBytes(32).toString('base64url');
  const r = await db.query<{ expires_at: Date }>(
    `INSERT INTO ops_sessions (token_hash, user_id, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))
     RETURNING expires_at`,
    [hashToken(token), userId, ttlSeconds],
  );
  return { token, expires_at: r.rows[0]!.expires_at };
}

export async function findSessionUser(db: Queryable, token: string): Promise<OpsUser | undefined> {
  const r = await db.query<OpsUser>(
    `SELECT u.user_id, u.username, u.display_name, u.role, u.disabled
       FROM ops_sessions s JOIN ops_users u ON u.user_id = s.user_id
      WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now() AND NOT u.disabled`,
    [hashToken(token)],
  );
  return r.rows[0];
}

export async function revokeSession(db: Queryable, token: string): Promise<void> {
  await db.query('UPDATE ops_sessions SET revoked_at = now() WHERE token_hash = $1 AND revoked_at IS NULL', [
    hashToken(token),
  ]);
}

export async function recordLoginAttempt(
  db: Queryable,
  username: string,
  ip: string,
  succeeded: boolean,
): Promise<void> {
  await db.query('INSERT INTO login_attempts (username, remote_address, succeeded) VALUES ($1, $2, $3)', [
    username.toLowerCase().slice(0, 64),
    ip,
    succeeded,
  ]);
}

/** Failed attempts for a username since its last success, within the window. */
export async function recentFailures(
  db: Queryable,
  username: string,
  windowSeconds: number,
): Promise<{ count: number; last: Date | null }> {
  const r = await db.query<{ count: string; last: Date | null }>(
    `SELECT count(*)::text AS count, max(created_at) AS last FROM login_attempts
      WHERE username = $1 AND NOT succeeded AND created_at > now() - make_interval(secs => $2)
        AND created_at > coalesce((SELECT max(created_at) FROM login_attempts WHERE username = $1 AND succeeded), 'epoch')`,
    [username.toLowerCase().slice(0, 64), windowSeconds],
  );
  return { count: Number(r.rows[0]?.count ?? 0), last: r.rows[0]?.last ?? null };
}
