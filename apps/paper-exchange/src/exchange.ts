import type { Db, Logger } from '@delta/server-kit';
import { createApiKey, type NewApiKey } from './engine/accounts.ts';
import type { OrderRow } from './engine/rows.ts';
import { matchResting } from './engine/trading.ts';
import { orderView } from './engine/views.ts';
import { FaultInjector, type FaultInput } from './faults.ts';
import { Market } from './market/market.ts';
import { productByRef } from './market/products.ts';
import { DEFAULT_RATE_LIMIT, RateLimiter, type RateLimitOptions } from './rate-limit.ts';

export interface ExchangeOptions {
  db: Db;
  logger: Logger;
  /** Seed of the mark-price random walk (same seed → same path). */
  seed?: number;
  /** Random-walk step interval; 0 = the mark only moves through the admin API. */
  walkMs?: number;
  rateLimit?: RateLimitOptions;
  /** Refuse a second order under a client_order_id the account has used (default true, as Delta is assumed to). */
  uniqueClientOrderIds?: boolean;
}

/** The exchange's state holders, shared by the /v2 routes, the admin routes and in-process callers. */
export class PaperExchange {
  readonly db: Db;
  readonly logger: Logger;
  readonly market: Market;
  readonly limiter: RateLimiter;
  readonly faults = new FaultInjector();
  /** See ExchangeOptions.uniqueClientOrderIds; changed at run time through the admin API. */
  uniqueClientOrderIds: boolean;
  private matching: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: ExchangeOptions) {
    this.db = options.db;
    this.logger = options.logger;
    this.limiter = new RateLimiter(options.rateLimit ?? DEFAULT_RATE_LIMIT);
    this.uniqueClientOrderIds = options.uniqueClientOrderIds ?? true;
    // Resting-order matching runs one product move at a time, after the mark is stored.
    this.market = new Market(options.db, options.seed ?? 42, (productId) => {
      const run = this.matching.then(() => matchResting(this.db, this.market, productId));
      this.matching = run.catch((err: unknown) =>
        this.logger.error({ err }, 'resting-order matching failed'),
      );
      return run.then(() => undefined);
    });
  }

  async start(): Promise<void> {
    await this.market.load();
    this.market.startWalk(this.options.walkMs ?? 1_000);
  }

  async stop(): Promise<void> {
    await this.market.stop();
    await this.matching;
  }

  createApiKey(input: NewApiKey = {}) {
    return createApiKey(this.db, input);
  }

  async setMarkPrice(product: string | number, price: number): Promise<number> {
    const p = productByRef(String(product));
    if (!p) throw new Error(`unknown product ${product}`);
    if (!(price > 0)) throw new Error('mark price must be positive');
    return this.market.setMark(p.id, price);
  }

  injectFault(input: FaultInput) {
    return this.faults.add(input);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  configureRateLimit(options: RateLimitOptions): void {
    this.limiter.configure(options);
  }

  /** Every order (any state) carrying this client id, optionally for one user: what tests count. */
  async ordersByClientId(clientOrderId: string, userId?: number) {
    const r = await this.db.query<OrderRow>(
      `SELECT id, account_id, product_id, client_order_id, side, order_type, size, unfilled_size, limit_price,
         time_in_force, post_only, reduce_only, state, average_fill_price, paid_commission, leverage,
         cancellation_reason, created_at, updated_at
       FROM px_orders WHERE client_order_id = $1 AND ($2::bigint IS NULL OR account_id = $2::bigint) ORDER BY id`,
      [clientOrderId, userId ?? null],
    );
    return r.rows.map(orderView);
  }
}
