import { type IRateLimiterOptions, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

export interface RateLimitSettings {
  /** Average requests per second allowed to one caller; 0 = no limit. */
  perSecond: number;
  /** How many requests a quiet caller may send at once. */
  burst: number;
}

/** What a store must offer: rate-limiter-flexible's consume, which every one of its stores implements. */
export interface RateLimitStore {
  consume(key: string, points?: number): Promise<RateLimiterRes>;
}

export interface CallerLimiter {
  /** Counts one request for `caller`: undefined when allowed, else the seconds until it may send again. */
  take(caller: string): Promise<number | undefined>;
}

/**
 * Per caller limits on rate-limiter-flexible (see docs/decisions.md, "Gateway"). Its fixed window allows `burst`
 * requests per `burst / perSecond` seconds: the average rate and the burst of the token bucket it replaced, except
 * that a caller may fit up to 2 × burst around a window's edge. The store is the library's memory store, one per
 * gateway instance (N instances allow up to N × the rate); `store` takes another of its stores (PostgreSQL, Redis:
 * same options plus `storeClient`) so the limit can hold across instances without changing callers.
 */
export function createCallerLimiter(
  settings: RateLimitSettings,
  store: (options: IRateLimiterOptions) => RateLimitStore = (options) => new RateLimiterMemory(options),
): CallerLimiter {
  if (settings.perSecond <= 0) return { take: async () => undefined };
  const limiter = store({
    keyPrefix: 'gateway-caller',
    points: settings.burst,
    duration: settings.burst / settings.perSecond,
  });
  return {
    async take(caller) {
      try {
        await limiter.consume(caller);
        return undefined;
      } catch (res) {
        // The library rejects with a RateLimiterRes when the caller is over the limit, and with an Error when a
        // store cannot be reached: that one propagates (a 500), it is not a verdict on the caller.
        if (res instanceof RateLimiterRes) return Math.max(res.msBeforeNext, 1) / 1000;
        throw res;
      }
    },
  };
}
