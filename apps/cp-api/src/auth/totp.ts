import type { Queryable } from '@delta/server-kit';
import { type MasterKeyring, openSecret, type SealedCredential, sealSecret } from '@delta/vault';
import { Secret, TOTP } from 'otpauth';

/** RFC 6238 as every authenticator app reads it: SHA-1, 6 digits, 30 s; a code of the step before or after is taken. */
const PERIOD_S = 30;
const WINDOW = 1;
const ISSUER = 'Delta CP';
const KIND = 'totp-seed';

interface TotpRow extends SealedCredential {
  confirmed: boolean;
}

const binding = (u: { user_id: string; customer_id: string }) => ({
  kind: KIND,
  customer_id: u.customer_id,
  subject_id: u.user_id,
});

function totpOf(seed: Buffer, label: string): TOTP {
  return new TOTP({
    issuer: ISSUER,
    label,
    algorithm: 'SHA1',
    digits: 6,
    period: PERIOD_S,
    secret: new Secret({ buffer: Uint8Array.from(seed).buffer }),
  });
}

/**
 * Starts (or restarts) setting up an authenticator app: a new 160-bit seed, sealed by the vault keyring, and its
 * otpauth:// URI, returned to be shown once. Refused (undefined) when an app is already confirmed.
 */
export async function beginTotpEnrolment(
  db: Queryable,
  keyring: MasterKeyring,
  user: { user_id: string; customer_id: string; email: string },
): Promise<string | undefined> {
  const secret = new Secret({ size: 20 });
  const seed = Buffer.from(secret.bytes);
  try {
    const s = sealSecret(keyring, binding(user), seed);
    const r = await db.query(
      `INSERT INTO cp_totp (user_id, ciphertext, iv, tag, wrapped_key, wrap_iv, wrap_tag, master_key_version)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (user_id) DO UPDATE SET ciphertext = $2, iv = $3, tag = $4, wrapped_key = $5, wrap_iv = $6,
         wrap_tag = $7, master_key_version = $8, created_at = now(), last_used_step = NULL
         WHERE cp_totp.confirmed_at IS NULL
       RETURNING user_id`,
      [user.user_id, s.ciphertext, s.iv, s.tag, s.wrapped_key, s.wrap_iv, s.wrap_tag, s.master_key_version],
    );
    if (r.rows.length === 0) return undefined;
    return totpOf(seed, user.email).toString();
  } finally {
    seed.fill(0);
  }
}

export type TotpCheck = 'ok' | 'invalid' | 'replayed' | 'not_enrolled';

/**
 * Checks a code against the user's seed (pending when `confirming`, else confirmed) and uses its time step up:
 * a step already used (the same code again, or an older one) is `replayed`. Confirming marks the app confirmed.
 */
export async function checkTotp(
  db: Queryable,
  keyring: MasterKeyring,
  user: { user_id: string; customer_id: string },
  code: string,
  o: { confirming?: boolean; now?: number } = {},
): Promise<TotpCheck> {
  const r = await db.query<TotpRow>(
    `SELECT ciphertext, iv, tag, wrapped_key, wrap_iv, wrap_tag, master_key_version,
            confirmed_at IS NOT NULL AS confirmed
       FROM cp_totp WHERE user_id = $1`,
    [user.user_id],
  );
  const row = r.rows[0];
  if (!row || row.confirmed === Boolean(o.confirming)) return 'not_enrolled';
  const sealed: SealedCredential = {
    ciphertext: Buffer.from(row.ciphertext),
    iv: Buffer.from(row.iv),
    tag: Buffer.from(row.tag),
    wrapped_key: Buffer.from(row.wrapped_key),
    wrap_iv: Buffer.from(row.wrap_iv),
    wrap_tag: Buffer.from(row.wrap_tag),
    master_key_version: row.master_key_version,
  };
  const seed = openSecret(keyring, binding(user), sealed);
  const now = o.now ?? Date.now();
  let delta: number | null;
  try {
    delta = totpOf(seed, 'check').validate({ token: code, timestamp: now, window: WINDOW });
  } finally {
    seed.fill(0);
  }
  if (delta === null) return 'invalid';
  const step = Math.floor(now / 1000 / PERIOD_S) + delta;
  const used = await db.query(
    `UPDATE cp_totp SET last_used_step = $2, confirmed_at = coalesce(confirmed_at, now())
      WHERE user_id = $1 AND (confirmed_at IS NULL) = $3 AND (last_used_step IS NULL OR last_used_step < $2)
     RETURNING user_id`,
    [user.user_id, step, Boolean(o.confirming)],
  );
  return used.rows.length ? 'ok' : 'replayed';
}
