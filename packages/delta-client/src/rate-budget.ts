/**
 * A per-key budget of Delta's weighted units, kept below the exchange's quota (10,000 per 5 minutes) so that
 * normal load waits a little here instead of hitting 429 there. Shared by every client using the same key in
 * this process. A 429 from the exchange blocks the key until its reset.
 */
export interface RateBudgetOptions {
  unitsPerWindow: number;
  windowMs: number;
}

export const DEFAULT_RATE_BUDGET: RateBudgetOptions = { unitsPerWindow: 9_000, windowMs: 5 * 60_000 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class RateBudget {
  private readonly spent: { at: number; weight: number }[] = [];
  private used = 0;
  private blockedUntil = 0;

  constructor(private readonly options: RateBudgetOptions = DEFAULT_RATE_BUDGET) {}

  private expire(now: number) {
    while (this.spent.length && this.spent[0]!.at <= now - this.options.windowMs) {
      this.used -= this.spent.shift()!.weight;
    }
  }

  /** Waits until `weight` units fit in the rolling window (and any 429 block is over), then spends them. */
  async acquire(weight: number, maxWaitMs: number): Promise<void> {
    const deadline = Date.now() + maxWaitMs;
    for (;;) {
      const now = Date.now();
      this.expire(now);
      const wait =
        now < this.blockedUntil
          ? this.blockedUntil - now
          : this.used + weight > this.options.unitsPerWindow
            ? this.spent[0]!.at + this.options.windowMs - now
            : 0;
      if (wait <= 0) {
        this.spent.push({ at: now, weight });
        this.used += weight;
        return;
      }
      if (now + wait > deadline) throw new RateBudgetExhausted(wait);
      await sleep(Math.max(1, wait));
    }
  }

  blockFor(ms: number): void {
    this.blockedUntil = Math.max(this.blockedUntil, Date.now() + ms);
  }
}

export class RateBudgetExhausted extends Error {
  constructor(readonly waitMs: number) {
    super(`rate budget exhausted for ${waitMs} ms`);
  }
}

const budgets = new Map<string, RateBudget>();

export function budgetFor(subject: string, options: RateBudgetOptions): RateBudget {
  const key = `${subject}|${options.unitsPerWindow}|${options.windowMs}`;
  let b = budgets.get(key);
  if (!b) {
    b = new RateBudget(options);
    budgets.set(key, b);
  }
  return b;
}
