import { fileURLToPath } from 'node:url';
import { loadMigrations, type Migration, type Queryable } from '@delta/server-kit';
import { ServiceTokenError, type VerifiedServiceToken } from './tokens.ts';

export const REPLAY_CACHE_MIGRATION_SOURCE = 'service-auth';

/** The `used_token_ids` table, for the `sharedMigrations` of every service that checks tokens or bundles. */
export function replayCacheMigrations(): Migration[] {
  return loadMigrations(
    fileURLToPath(new URL('../migrations', import.meta.url)),
    REPLAY_CACHE_MIGRATION_SOURCE,
  );
}

/**
 * Rows are kept this long past the expiry they were given, so that a token a verifier still accepts within its
 * clock tolerance (5 s for service tokens, at most 30 s for credential bundles) is still remembered.
 */
export const REPLAY_RETENTION_PAST_EXPIRY_S = 60;
const DEFAULT_PURGE_INTERVAL_MS = 10_000;

/** Remembers one-time ids (a token's or bundle's jti) in the database, so every instance refuses a second use. */
export interface ReplayCache {
  /**
   * Records `id` as used until `expiresAt`. True the first time; false when it was already used (a replay).
   * Rejects when the database cannot be reached: callers must refuse then, not accept.
   */
  claim(id: string, expiresAt: Date): Promise<boolean>;
}

const INSERT = `INSERT INTO used_token_ids (jti, expires_at) VALUES ($1, $2)
ON CONFLICT (jti) DO NOTHING RETURNING 1 AS fresh`;
// The purge rides on an insert (same statement, same round trip) at most once per interval per instance.
const INSERT_AND_PURGE = `WITH purged AS (DELETE FROM used_token_ids WHERE expires_at < $3)
${INSERT}`;

/**
 * One INSERT … ON CONFLICT DO NOTHING per id checked: no row back means the id was already there. Expired rows
 * (older than their expiry plus REPLAY_RETENTION_PAST_EXPIRY_S) are deleted by the same statement every
 * `purgeIntervalMs` (default 10 s).
 */
export function createReplayCache(
  db: Queryable,
  options: { now?: () => number; purgeIntervalMs?: number } = {},
): ReplayCache {
  const now = options.now ?? Date.now;
  const interval = options.purgeIntervalMs ?? DEFAULT_PURGE_INTERVAL_MS;
  let lastPurge = Number.NEGATIVE_INFINITY;
  return {
    async claim(id, expiresAt) {
      const at = now();
      let result: { rows: unknown[] };
      if (at - lastPurge >= interval) {
        lastPurge = at;
        const cutoff = new Date(at - REPLAY_RETENTION_PAST_EXPIRY_S * 1000);
        result = await db.query(INSERT_AND_PURGE, [id, expiresAt, cutoff]);
      } else {
        result = await db.query(INSERT, [id, expiresAt]);
      }
      return result.rows.length === 1;
    },
  };
}

/**
 * Accepts a verified service token once: its issuer and jti are claimed in the replay cache until it expires.
 * Throws ServiceTokenError `token_replayed` on a second use, `replay_check_unavailable` when the database fails.
 */
export async function claimTokenOnce(
  cache: ReplayCache,
  token: Pick<VerifiedServiceToken, 'issuer' | 'payload'>,
): Promise<void> {
  const { jti, exp } = token.payload;
  if (typeof jti !== 'string' || jti === '' || typeof exp !== 'number')
    throw new ServiceTokenError('malformed');
  let fresh: boolean;
  try {
    fresh = await cache.claim(`${token.issuer}:${jti}`, new Date(exp * 1000));
  } catch {
    throw new ServiceTokenError('replay_check_unavailable');
  }
  if (!fresh) throw new ServiceTokenError('token_replayed');
}
