/**
 * Delta's quota: a fixed window (10,000 units per 5 minutes) per user, or per IP when unauthenticated, with
 * per-endpoint weights. Over quota → 429 and `X-RATE-LIMIT-RESET` = ms until the window resets.
 */
export interface RateLimitOptions {
  unitsPerWindow: number;
  windowMs: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitOptions = { unitsPerWindow: 10_000, windowMs: 5 * 60_000 };

const WEIGHT_3 = new Set([
  'GET /v2/products',
  'GET /v2/products/:product',
  'GET /v2/l2orderbook/:symbol',
  'GET /v2/tickers',
  'GET /v2/tickers/:symbol',
  'GET /v2/orders',
  'GET /v2/positions',
  'GET /v2/positions/margined',
  'GET /v2/wallet/balances',
  'GET /v2/history/candles',
]);
const WEIGHT_5 = new Set([
  'POST /v2/orders',
  'PUT /v2/orders',
  'DELETE /v2/orders',
  'DELETE /v2/orders/all',
  'POST /v2/orders/bracket',
  'PUT /v2/orders/bracket',
]);
const WEIGHT_10 = new Set(['GET /v2/orders/history', 'GET /v2/fills', 'GET /v2/wallet/transactions']);

export function weightOf(method: string, routeUrl: string): number {
  const key = `${method} ${routeUrl}`;
  if (WEIGHT_5.has(key)) return 5;
  if (WEIGHT_10.has(key)) return 10;
  if (WEIGHT_3.has(key)) return 3;
  return 1;
}

export class RateLimiter {
  private readonly windows = new Map<string, { start: number; used: number }>();

  constructor(
    private options: RateLimitOptions = DEFAULT_RATE_LIMIT,
    private readonly now: () => number = Date.now,
  ) {}

  configure(options: RateLimitOptions): void {
    this.options = options;
    this.windows.clear();
  }

  /** Returns undefined when allowed, else the ms until the subject's window resets. */
  consume(subject: string, weight: number): number | undefined {
    const t = this.now();
    let w = this.windows.get(subject);
    if (!w || t >= w.start + this.options.windowMs) {
      w = { start: t, used: 0 };
      this.windows.set(subject, w);
    }
    if (w.used + weight > this.options.unitsPerWindow)
      return Math.max(1, w.start + this.options.windowMs - t);
    w.used += weight;
    return undefined;
  }
}
