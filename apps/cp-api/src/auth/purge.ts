import type { Logger, Queryable } from '@delta/server-kit';

/**
 * Forgets what no query will ever read again: challenges a day past their expiry, throttle counters whose window
 * ended an hour ago, and sessions that ended (expired or revoked) 30 days ago. Every query already ignores these
 * rows; this only keeps the tables small. Safe on many instances at once (plain DELETEs of dead rows).
 */
export async function purgeExpired(
  db: Queryable,
): Promise<{ challenges: number; throttle: number; sessions: number }> {
  const challenges = await db.query(
    "DELETE FROM cp_challenges WHERE expires_at < now() - interval '1 day' RETURNING challenge_id",
  );
  const throttle = await db.query('DELETE FROM cp_login_throttle WHERE expire < $1 RETURNING key', [
    Date.now() - 3_600_000,
  ]);
  const sessions = await db.query(
    `DELETE FROM cp_sessions
      WHERE coalesce(revoked_at, expires_at) < now() - interval '30 days' RETURNING session_id`,
  );
  return {
    challenges: challenges.rows.length,
    throttle: throttle.rows.length,
    sessions: sessions.rows.length,
  };
}

/** Runs purgeExpired every `everyMs` (10 min by default); returns the stop function runService awaits. */
export function startPurge(db: Queryable, logger: Logger, everyMs = 600_000): () => Promise<void> {
  const timer = setInterval(() => {
    purgeExpired(db)
      .then((n) => {
        if (n.challenges + n.throttle + n.sessions > 0) logger.info(n, 'expired identity rows purged');
      })
      .catch((err) => logger.warn({ err }, 'purge of expired identity rows failed'));
  }, everyMs);
  timer.unref();
  return async () => clearInterval(timer);
}
