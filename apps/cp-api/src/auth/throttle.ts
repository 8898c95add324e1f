import { maskUntrustedId, type Queryable } from '@delta/server-kit';
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';

export interface ThrottleOptions {
  /** Failures per account within the window before it is refused. */
  perAccount: number;
  /** Failures per client address within the window. */
  perIp: number;
  windowSeconds: number;
}

/**
 * rate-limiter-flexible's PostgreSQL store speaks `client.query({text, values})`; our Db is the client. The store
 * reads `rowCount` of its SELECT, which PGlite leaves 0 for a SELECT: the rows returned are counted here.
 */
function storeClient(db: Queryable) {
  return {
    async query(q: { text: string; values?: unknown[] }) {
      const r = await db.query(q.text, q.values ?? []);
      return { rows: r.rows, rowCount: Math.max(r.rowCount, r.rows.length) };
    },
  };
}

/**
 * Failed sign-ins and step-ups, counted per account and per client address in the database
 * (`cp_login_throttle`, rate-limiter-flexible's PostgreSQL store over our Db, so PGlite and PostgreSQL alike and
 * every CP instance shares the counts). A failure adds a point; a success clears the account's count. `blocked`
 * answers how long to wait (seconds) when either count is at its limit.
 */
export function createThrottle(db: Queryable, o: ThrottleOptions) {
  const common = {
    storeClient: storeClient(db),
    storeType: 'client',
    tableName: 'cp_login_throttle',
    tableCreated: true,
    clearExpiredByTimeout: false,
    duration: o.windowSeconds,
  };
  const account = new RateLimiterPostgres({ ...common, keyPrefix: 'account', points: o.perAccount });
  const address = new RateLimiterPostgres({ ...common, keyPrefix: 'ip', points: o.perIp });
  const stepUp = new RateLimiterPostgres({ ...common, keyPrefix: 'step-up', points: o.perAccount });
  // Unauthenticated challenge requests (passkey sign-in options) per address, in this instance's memory: a guard
  // against one client filling cp_challenges, not an account limit, so N instances allowing N× is acceptable.
  const challenges = new RateLimiterMemory({ keyPrefix: 'challenges', points: 30, duration: 60 });

  const waitOf = (res: RateLimiterRes | null, limit: number) =>
    res && res.consumedPoints >= limit ? Math.max(1, Math.ceil(res.msBeforeNext / 1000)) : 0;

  return {
    /** The key an account is counted under: its user id, or a hash of the e-mail typed (never the text). */
    accountKey: (userId: string | undefined, email: string) => userId ?? maskUntrustedId(email),
    async blocked(accountKey: string, ip: string): Promise<number> {
      const [a, i] = await Promise.all([account.get(accountKey), address.get(ip)]);
      return Math.max(waitOf(a, o.perAccount), waitOf(i, o.perIp));
    },
    async failed(accountKey: string, ip: string): Promise<void> {
      await Promise.all([account.penalty(accountKey), address.penalty(ip)]);
    },
    async succeeded(accountKey: string): Promise<void> {
      await account.delete(accountKey);
    },
    /** Seconds to wait before this address may ask for another sign-in challenge (0: it may now). */
    async challengeWait(ip: string): Promise<number> {
      try {
        await challenges.consume(ip);
        return 0;
      } catch (res) {
        if (res instanceof RateLimiterRes) return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
        throw res;
      }
    },
    stepUp: {
      async blocked(userId: string): Promise<number> {
        return waitOf(await stepUp.get(userId), o.perAccount);
      },
      async failed(userId: string): Promise<void> {
        await stepUp.penalty(userId);
      },
    },
  };
}
export type Throttle = ReturnType<typeof createThrottle>;
