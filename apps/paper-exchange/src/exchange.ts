import type { Db, Logger } from '@delta/server-kit';
import { createApiKey, type NewApiKey } from './engine/accounts.ts';
import { DeadManSwitch } from './engine/dead-man.ts';
import type { Effects } from './engine/effects.ts';
import type { Engine } from './engine/engine.ts';
import { exchangeFunding } from './engine/funding.ts';
import { liquidatePositions } from './engine/liquidation.ts';
import { ORDER_COLUMNS, type OrderRow } from './engine/rows.ts';
import { triggerStops } from './engine/stops.ts';
import { matchResting } from './engine/trading.ts';
import { orderView } from './engine/views.ts';
import { FaultInjector, type FaultInput } from './faults.ts';
import { Market } from './market/market.ts';
import { fundingRatePct } from './market/market-stats.ts';
import { PRODUCTS, productByRef } from './market/products.ts';
import { ScriptedPaths } from './market/scripted-path.ts';
import { DEFAULT_RATE_LIMIT, RateLimiter, type RateLimitOptions } from './rate-limit.ts';
import { SystemStatus } from './stream/system-status.ts';

export interface ExchangeOptions {
  db: Db;
  logger: Logger;
  /** Seed of the price process and its history (same seed → same path). */
  seed?: number;
  /** Random-walk step interval; 0 = the mark only moves through the admin API. */
  walkMs?: number;
  rateLimit?: RateLimitOptions;
  /** Refuse a second order under a client_order_id the account has used (default true, as Delta is assumed to). */
  uniqueClientOrderIds?: boolean;
  /** Funding is exchanged every this many ms, on multiples of it since the epoch (Delta: 8 h → 00, 08, 16 UTC). */
  fundingIntervalMs?: number;
  /** Days of synthetic history on a fresh database (default 30). */
  historyDays?: number;
  /** Where that history ends on a fresh database (default: now). */
  historyAnchorMs?: number;
}

export const DELTA_FUNDING_INTERVAL_MS = 8 * 3_600_000;

/** The exchange's state holders, shared by the /v2 routes, the admin routes, the streams and in-process callers. */
export class PaperExchange implements Engine {
  readonly db: Db;
  readonly logger: Logger;
  readonly market: Market;
  readonly limiter: RateLimiter;
  readonly faults = new FaultInjector();
  readonly paths: ScriptedPaths;
  readonly fundingIntervalMs: number;
  readonly deadMan: DeadManSwitch;
  readonly systemStatus = new SystemStatus();
  /** See ExchangeOptions.uniqueClientOrderIds; changed at run time through the admin API. */
  uniqueClientOrderIds: boolean;
  private readonly effectListeners: ((fx: Effects) => void)[] = [];
  private matching: Promise<unknown> = Promise.resolve();
  private fundingTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: ExchangeOptions) {
    this.db = options.db;
    this.logger = options.logger;
    this.limiter = new RateLimiter(options.rateLimit ?? DEFAULT_RATE_LIMIT);
    this.uniqueClientOrderIds = options.uniqueClientOrderIds ?? true;
    this.fundingIntervalMs = options.fundingIntervalMs ?? DELTA_FUNDING_INTERVAL_MS;
    this.market = new Market(
      options.db,
      { seed: options.seed ?? 42, historyDays: options.historyDays, anchorMs: options.historyAnchorMs },
      (productId) => this.afterMove(productId),
    );
    this.deadMan = new DeadManSwitch(this);
    this.paths = new ScriptedPaths(this.market, (err) => this.logger.error({ err }, 'scripted path failed'));
  }

  /** Serialises the engine's reactions to moves, one after another, so two moves never race on an order. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.matching.then(fn);
    this.matching = run.catch((err: unknown) => this.logger.error({ err }, 'market reaction failed'));
    return run;
  }

  /** After the mark moved: triggered stops, crossed resting orders, then liquidations. */
  private afterMove(productId: number): Promise<void> {
    return this.serial(async () => {
      await triggerStops(this, productId);
      await matchResting(this, productId);
      await liquidatePositions(this, productId);
    });
  }

  /** Re-runs the reactions for a product without a move (a stop placed beyond its trigger fires at once). */
  react(productId: number): Promise<void> {
    return this.afterMove(productId);
  }

  onEffects(listener: (fx: Effects) => void): () => void {
    this.effectListeners.push(listener);
    return () => {
      const i = this.effectListeners.indexOf(listener);
      if (i >= 0) this.effectListeners.splice(i, 1);
    };
  }

  /** Engine changes that committed: fills go on the tape, then every listener (the streams) hears of them. */
  publish(fx: Effects): void {
    for (const t of fx.trades) this.market.recordTrade(t.productId, t.price, t.size, t.side);
    for (const l of this.effectListeners) {
      try {
        l(fx);
      } catch (err) {
        this.logger.error({ err }, 'effects listener failed');
      }
    }
  }

  async start(): Promise<void> {
    await this.market.load();
    this.market.startWalk(this.options.walkMs ?? 1_000);
    this.scheduleFunding();
    await this.deadMan.load();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.fundingTimer) clearTimeout(this.fundingTimer);
    this.paths.stopAll();
    this.deadMan.stop();
    await this.market.stop();
    await this.matching;
  }

  /** The next funding time (epoch ms), on a multiple of the interval. */
  nextFundingAt(now = Date.now()): number {
    return (Math.floor(now / this.fundingIntervalMs) + 1) * this.fundingIntervalMs;
  }

  private scheduleFunding(): void {
    if (this.stopped) return;
    const wait = Math.max(1, this.nextFundingAt() - Date.now());
    this.fundingTimer = setTimeout(() => {
      void this.runFunding()
        .catch((err: unknown) => this.logger.error({ err }, 'funding exchange failed'))
        .finally(() => this.scheduleFunding());
    }, wait);
    this.fundingTimer.unref();
  }

  /** Exchanges funding now for one product (or all) at the current rate, or at `ratePct` when given (tests). */
  runFunding(
    productId?: number,
    ratePct?: number,
  ): Promise<{ product_id: number; rate: number; paid: number }[]> {
    return this.serial(async () => {
      const out: { product_id: number; rate: number; paid: number }[] = [];
      for (const p of PRODUCTS) {
        if (productId !== undefined && p.id !== productId) continue;
        const rate = ratePct ?? fundingRatePct(this.market, p);
        const paid = await exchangeFunding(this, p.id, rate);
        this.market.resetPremium(p.id);
        out.push({ product_id: p.id, rate, paid });
      }
      return out;
    });
  }

  createApiKey(input: NewApiKey = {}) {
    return createApiKey(this.db, input);
  }

  async setMarkPrice(product: string | number, price: number, spot?: number): Promise<number> {
    const p = productByRef(String(product));
    if (!p) throw new Error(`unknown product ${product}`);
    if (!(price > 0)) throw new Error('mark price must be positive');
    return this.market.setMark(p.id, price, spot);
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
      `SELECT ${ORDER_COLUMNS} FROM px_orders
       WHERE client_order_id = $1 AND ($2::bigint IS NULL OR account_id = $2::bigint) ORDER BY id`,
      [clientOrderId, userId ?? null],
    );
    return r.rows.map(orderView);
  }
}
