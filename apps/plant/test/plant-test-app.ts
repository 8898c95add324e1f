import { fileURLToPath } from 'node:url';
import type { TAgentSetup } from '@delta/contracts';
import { type App, createLogger, loadMigrations } from '@delta/server-kit';
import { createTestDatabase, LogCapture, type TestDatabase } from '@delta/testing';
import { buildApp, type Deps } from '../src/app.ts';
import { createStaticMarketData, fixedPrices } from '../src/integrations/market-data.ts';

export const MIGRATIONS = loadMigrations(fileURLToPath(new URL('../migrations', import.meta.url)), 'plant');
export const AGENT = 'AGT-TRD-DELTA-001';
export const PRICES = { BTCUSD: '65000.5', ETHUSD: '3400.25' };

export interface PlantTestApp {
  app: App;
  testDb: TestDatabase;
  logs: LogCapture;
  close(): Promise<void>;
}

/** A Plant app on a fresh test database. */
export async function startPlant(overrides: Partial<Deps> = {}): Promise<PlantTestApp> {
  const testDb = await createTestDatabase({ migrations: MIGRATIONS });
  const plant = await startPlantOn(testDb, overrides);
  return {
    ...plant,
    async close() {
      await plant.app.close();
      await testDb.drop();
    },
  };
}

/** Another Plant app (other deps) on an existing test database — like a second instance; close() keeps the db. */
export async function startPlantOn(
  testDb: TestDatabase,
  overrides: Partial<Deps> = {},
): Promise<PlantTestApp> {
  const logs = new LogCapture();
  const app = await buildApp({
    logger: createLogger({ service: 'plant-test', level: 'warn', destination: logs }),
    db: testDb.db,
    migrations: MIGRATIONS,
    marketData: createStaticMarketData(fixedPrices(PRICES)),
    ...overrides,
  });
  await app.ready();
  return {
    app,
    testDb,
    logs,
    async close() {
      await app.close();
    },
  };
}

export function setup(overrides: Partial<TAgentSetup> = {}): TAgentSetup {
  return {
    exchange_provider: 'delta_exchange_india',
    credential_ref: 'cred_ref_001',
    default_coin: 'BTC',
    allowed_coins: ['BTC', 'ETH'],
    risk_limits: { max_units_per_order: 10, max_notional_inr: '500000' },
    execution_policy: { require_customer_approval: true, approval_scope: 'per_trade_action' },
    ...overrides,
  };
}

/** Hires the trading agent for a customer; returns the hired agent id. */
export async function hire(
  app: App,
  customerId: string,
  setupOverrides: Partial<TAgentSetup> = {},
  plan: 'trial' | 'paid' = 'trial',
): Promise<string> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/hired-agents',
    payload: { customer_id: customerId, agent_id: AGENT, plan, setup: setup(setupOverrides) },
  });
  if (res.statusCode !== 201) throw new Error(`hire failed: ${res.statusCode} ${res.body}`);
  return (res.json() as { hired_agent_id: string }).hired_agent_id;
}

export function runBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    customer_id: 'cust-001',
    exchange_account_id: 'acct-001',
    coin: 'BTC',
    units: 2,
    side: 'long',
    action: 'enter',
    limit_price: '65000.5',
    ...overrides,
  };
}

export function run(
  app: App,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
  agent = AGENT,
) {
  return app.inject({ method: 'POST', url: `/api/v1/reference-agents/${agent}/run`, payload: body, headers });
}
