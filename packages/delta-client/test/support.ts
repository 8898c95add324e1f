import {
  type RunningPaperExchange,
  type StartPaperExchangeOptions,
  startPaperExchange,
} from '@delta/paper-exchange';
import { createTestDatabase, type TestDatabase } from '@delta/testing';
import { DeltaTradingClient, type DeltaTradingClientOptions } from '../src/index.ts';

export interface Harness {
  px: RunningPaperExchange;
  testDb: TestDatabase;
  close(): Promise<void>;
}

/** A real paper exchange over real HTTP on a free port, on a real (PGlite or PostgreSQL) database. */
export async function startHarness(options: Omit<StartPaperExchangeOptions, 'db'> = {}): Promise<Harness> {
  const testDb = await createTestDatabase();
  const px = await startPaperExchange({ ...options, db: testDb.db });
  return {
    px,
    testDb,
    async close() {
      await px.close();
      await testDb.drop();
    },
  };
}

let n = 0;
/** A fresh funded account per test so tests do not see each other's positions. */
export async function clientFor(
  px: RunningPaperExchange,
  options: Partial<DeltaTradingClientOptions> & { balance?: number; permissions?: ('read' | 'trade')[] } = {},
) {
  const key = await px.createApiKey({ balance: options.balance ?? 10_000, permissions: options.permissions });
  const client = new DeltaTradingClient({
    preset: 'paper',
    baseUrl: px.url,
    credentials: { apiKey: key.apiKey, apiSecret: key.apiSecret },
    rateBudget: false,
    ...options,
  });
  return { client, key };
}

export function clientOrderId(prefix = 'co'): string {
  n++;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${n}`.slice(0, 32);
}
