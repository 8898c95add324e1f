import { fileURLToPath } from 'node:url';
import {
  createLogger,
  type Db,
  type Logger,
  loadMigrations,
  type Migration,
  migrate,
} from '@delta/server-kit';
import { buildApp } from './app.ts';
import type { NewApiKey } from './engine/accounts.ts';
import { PaperExchange } from './exchange.ts';
import type { FaultInput } from './faults.ts';
import type { RateLimitOptions } from './rate-limit.ts';
import type { StreamOptions } from './stream/server.ts';

export type { NewApiKey } from './engine/accounts.ts';
export { PaperExchange } from './exchange.ts';
export type { ActiveFault, FaultInput, FaultSpec } from './faults.ts';
export { PRODUCTS } from './market/products.ts';
export type { RateLimitOptions } from './rate-limit.ts';
export type { StreamOptions } from './stream/server.ts';

export const PAPER_EXCHANGE_MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));

export function paperExchangeMigrations(): Migration[] {
  return loadMigrations(PAPER_EXCHANGE_MIGRATIONS_DIR, 'paper-exchange');
}

export interface StartPaperExchangeOptions {
  /** The exchange's own database (its migrations are applied here). */
  db: Db;
  /** Default: a free port chosen by the OS. */
  port?: number;
  host?: string;
  /** Random-walk seed (default 42). */
  seed?: number;
  /** Random-walk step in ms; 0 (the default here) keeps the mark still unless set through the admin API. */
  walkMs?: number;
  /** Mount /_paper (default true). */
  adminEnabled?: boolean;
  rateLimit?: RateLimitOptions;
  /** Refuse a duplicate client_order_id per account (default true); false = accept it as another order. */
  uniqueClientOrderIds?: boolean;
  /** Funding exchange interval (default Delta's 8 h); tests shorten it. */
  fundingIntervalMs?: number;
  /** Days of synthetic history on a fresh database (default 30). */
  historyDays?: number;
  /** Where that history ends on a fresh database (default now): two markets with one seed and anchor match. */
  historyAnchorMs?: number;
  /** WebSocket options (heartbeat, idle timeout, connection limit); false: no WebSocket API. */
  streams?: StreamOptions | false;
  logger?: Logger;
}

export interface RunningPaperExchange {
  /** Base URL, e.g. http://127.0.0.1:40123 (paths start with /v2). */
  url: string;
  /** Delta's private socket host (key-auth, private and legacy public channels): ws://127.0.0.1:40123/ */
  wsUrl: string;
  /** Delta's public socket host (the compact public channels): ws://127.0.0.1:40123/public */
  publicWsUrl: string;
  port: number;
  exchange: PaperExchange;
  close(): Promise<void>;
  createApiKey(
    input?: NewApiKey,
  ): Promise<{ apiKey: string; apiSecret: string; userId: number; canTrade: boolean }>;
  /** Sets the mark (and optionally the spot index beside it); stops, resting orders and liquidations react. */
  setMarkPrice(product: string | number, price: number, spot?: number): Promise<number>;
  injectFault(fault: FaultInput): void;
  clearFaults(): void;
  /** Orders at the exchange carrying this client id (what exactly-once tests count). */
  ordersByClientId(clientOrderId: string, userId?: number): ReturnType<PaperExchange['ordersByClientId']>;
}

/** Starts a paper exchange in-process over real HTTP, for other packages' tests and benches. */
export async function startPaperExchange(options: StartPaperExchangeOptions): Promise<RunningPaperExchange> {
  const logger = options.logger ?? createLogger({ service: 'paper-exchange', level: 'silent' });
  const migrations = paperExchangeMigrations();
  await migrate(options.db, migrations);
  const exchange = new PaperExchange({
    db: options.db,
    logger,
    seed: options.seed,
    walkMs: options.walkMs ?? 0,
    rateLimit: options.rateLimit,
    uniqueClientOrderIds: options.uniqueClientOrderIds,
    fundingIntervalMs: options.fundingIntervalMs,
    historyDays: options.historyDays,
    historyAnchorMs: options.historyAnchorMs,
  });
  await exchange.start();
  const app = await buildApp({
    logger,
    db: options.db,
    migrations,
    exchange,
    adminEnabled: options.adminEnabled ?? true,
    streams: options.streams,
  });
  const host = options.host ?? '127.0.0.1';
  await app.listen({ host, port: options.port ?? 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  return {
    url: `http://${host}:${port}`,
    wsUrl: `ws://${host}:${port}/`,
    publicWsUrl: `ws://${host}:${port}/public`,
    port,
    exchange,
    async close() {
      await exchange.stop();
      await app.close();
    },
    async createApiKey(input) {
      const k = await exchange.createApiKey(input);
      return { apiKey: k.apiKey, apiSecret: k.apiSecret, userId: k.userId, canTrade: k.canTrade };
    },
    setMarkPrice: (product, price, spot) => exchange.setMarkPrice(product, price, spot),
    injectFault: (fault) => {
      exchange.injectFault(fault);
    },
    clearFaults: () => exchange.clearFaults(),
    ordersByClientId: (clientOrderId, userId) => exchange.ordersByClientId(clientOrderId, userId),
  };
}
