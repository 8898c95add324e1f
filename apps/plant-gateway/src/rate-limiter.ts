export interface RateLimitSettings {
  /** Tokens added per second; 0 = no limit. */
  perSecond: number;
  /** Bucket size: how many requests a quiet caller may send at once. */
  burst: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Token bucket per caller, in this process's memory (see docs/decisions.md, "Gateway"): with N gateway instances a
 * caller gets up to N times the rate, which is acceptable for a guard against a runaway portal, not a quota.
 */
export class TokenBucketLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly settings: RateLimitSettings,
    private readonly now: () => number = Date.now,
    private readonly maxCallers = 10_000,
  ) {}

  /** Takes one token for `caller`: undefined when allowed, else the seconds until a token is available. */
  take(caller: string): number | undefined {
    const { perSecond, burst } = this.settings;
    if (perSecond <= 0) return undefined;
    const t = this.now();
    const b = this.buckets.get(caller) ?? { tokens: burst, at: t };
    b.tokens = Math.min(burst, b.tokens + ((t - b.at) / 1000) * perSecond);
    b.at = t;
    if (!this.buckets.has(caller)) {
      if (this.buckets.size >= this.maxCallers) this.evictFull(t);
      this.buckets.set(caller, b);
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return undefined;
    }
    return (1 - b.tokens) / perSecond;
  }

  /** A bucket that has refilled completely holds no state worth keeping: dropping it changes nothing. */
  private evictFull(t: number): void {
    const { perSecond, burst } = this.settings;
    for (const [key, b] of this.buckets) {
      if (b.tokens + ((t - b.at) / 1000) * perSecond >= burst) this.buckets.delete(key);
    }
  }
}
