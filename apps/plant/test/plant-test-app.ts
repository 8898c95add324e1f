import { randomUUID } from 'node:crypto';
import { CORRELATION_HEADER, principalLabel, type TAgentSetup, type TPrincipal } from '@delta/contracts';
import { type App, createLogger, type Db } from '@delta/server-kit';
import { ephemeralServiceKeys, publicJwks, type ServiceKeys, signServiceToken } from '@delta/service-auth';
import {
  createTestDatabase,
  LogCapture,
  type TestDatabase,
  testCredentialRef,
  testCustomerId,
} from '@delta/testing';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp, type Deps } from '../src/app.ts';
import {
  createGatewayIdentityVerifier,
  GATEWAY_ISSUER,
  IDENTITY_ASSERTION_HEADER,
  PLANT_AUDIENCE,
  requestHash,
} from '../src/auth/identity.ts';
import { findCustomerById, insertCustomer } from '../src/db/customers-repository.ts';
import { createStaticMarketData, fixedPrices } from '../src/integrations/market-data.ts';
import { plantMigrations } from '../src/migrations.ts';

export const MIGRATIONS = plantMigrations();
export const AGENT = 'AGT-TRD-DELTA-001';
export const PRICES = { BTCUSD: '65000.5', ETHUSD: '3400.25' };

/** The principal every signed test request acts as unless a test says otherwise. */
export const OPS_ADMIN: TPrincipal = { kind: 'ops', user_id: 'usr_test_admin', role: 'admin' };

/** The test "gateway": one ephemeral Ed25519 key per test file; every test Plant trusts its public JWKS. */
let gatewayKeysPromise: Promise<ServiceKeys> | undefined;
export function gatewayKeys(): Promise<ServiceKeys> {
  gatewayKeysPromise ??= ephemeralServiceKeys(GATEWAY_ISSUER);
  return gatewayKeysPromise;
}

export interface PlantTestApp {
  /** `app.inject` signs every request as OPS_ADMIN (see signedInject); use `call` for another principal. */
  app: App;
  /** Fastify's own inject: no identity assertion unless the test adds one. */
  rawInject: App['inject'];
  testDb: TestDatabase;
  logs: LogCapture;
  close(): Promise<void>;
}

type Inject = (opts: InjectOptions) => Promise<LightMyRequestResponse>;
const rawInjects = new WeakMap<App, Inject>();
const databases = new WeakMap<App, Db>();

export interface AssertionOptions {
  principal?: TPrincipal;
  /** Defaults to the correlation id the request carries. */
  correlationId?: string;
  /** Defaults to the hash of the request as sent; override to forge a mismatch. */
  requestHash?: string;
  audience?: string;
  ttlSeconds?: number;
  /** Unix seconds the assertion claims it was issued at (to make an expired one). */
  issuedAt?: number;
  keys?: ServiceKeys;
}

/** A gateway identity assertion for one request, signed like the gateway signs it. */
export async function signAssertion(
  method: string,
  url: string,
  body: string,
  correlationId: string,
  options: AssertionOptions = {},
): Promise<string> {
  return signServiceToken(
    options.keys ?? (await gatewayKeys()),
    {
      iss: GATEWAY_ISSUER,
      aud: options.audience ?? PLANT_AUDIENCE,
      principal: options.principal ?? OPS_ADMIN,
      correlation_id: options.correlationId ?? correlationId,
      request_hash: options.requestHash ?? requestHash(method, url, body),
    },
    options.ttlSeconds ?? 30,
    options.issuedAt,
  );
}

/**
 * Injects a request the way the gateway forwards it: the payload serialised once (the assertion hashes exactly
 * those bytes), a correlation id (the given X-Correlation-ID, or a fresh one) in both header and assertion, and
 * the assertion signed for `principal` (or with `assertion` overrides).
 */
export async function call(
  app: App,
  opts: InjectOptions | string,
  principal: TPrincipal = OPS_ADMIN,
  assertion: AssertionOptions = {},
): Promise<LightMyRequestResponse> {
  const o: InjectOptions = typeof opts === 'string' ? { url: opts } : opts;
  if (o.query !== undefined) throw new Error('call(): put the query string in url, so the hash covers it');
  const method = String(o.method ?? 'GET').toUpperCase();
  const url = typeof o.url === 'string' ? o.url : String(o.path ?? '/');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(o.headers ?? {}))
    if (v !== undefined) headers[k.toLowerCase()] = String(v);
  let body = '';
  if (o.payload !== undefined) {
    body = typeof o.payload === 'string' ? o.payload : JSON.stringify(o.payload);
    headers['content-type'] ??= 'application/json';
  }
  const correlationId = headers[CORRELATION_HEADER] ?? randomUUID();
  headers[CORRELATION_HEADER] = correlationId;
  headers[IDENTITY_ASSERTION_HEADER] ??= await signAssertion(method, url, body, correlationId, {
    principal,
    ...assertion,
  });
  const inject = rawInjects.get(app) ?? ((x: InjectOptions) => app.inject(x));
  return inject({ method: method as InjectOptions['method'], url, headers, payload: body || undefined });
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
  const keys = await gatewayKeys();
  const app = await buildApp({
    logger: createLogger({ service: 'plant-test', level: 'warn', destination: logs }),
    db: testDb.db,
    migrations: MIGRATIONS,
    marketData: createStaticMarketData(fixedPrices(PRICES)),
    identityVerifier: createGatewayIdentityVerifier({ jwks: publicJwks(keys) }),
    ...overrides,
  });
  await app.ready();
  // Existing tests call app.inject(...) as before and act as OPS_ADMIN; identity tests use rawInject.
  const rawInject = app.inject.bind(app);
  rawInjects.set(app, (x) => rawInject(x));
  databases.set(app, testDb.db);
  const signedInject = (opts: InjectOptions | string) => call(app, opts);
  (app as { inject: unknown }).inject = signedInject;
  return {
    app,
    rawInject,
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
    credential_ref: testCredentialRef('cred_ref_001'),
    default_coin: 'BTC',
    allowed_coins: ['BTC', 'ETH'],
    risk_limits: { max_units_per_order: 10, max_notional_inr: '500000' },
    execution_policy: { require_customer_approval: true, approval_scope: 'per_trade_action' },
    ...overrides,
  };
}

/**
 * Makes `customerId` exist in the directory, under the id the test chose (Plant mints ids in production; tests
 * keep readable fixed ids such as cust-001). Straight to the repository, as POST /customers cannot take an id.
 */
export async function ensureCustomer(app: App, customerId: string): Promise<void> {
  const db = databases.get(app);
  if (!db) throw new Error('ensureCustomer(): not an app from startPlant/startPlantOn');
  if (await findCustomerById(db, customerId)) return;
  await insertCustomer(db, {
    customer_id: customerId,
    display_name: `Test customer ${customerId}`,
    email: null,
    created_at: new Date(),
    created_by: principalLabel(OPS_ADMIN),
  });
}

/** Creates a customer through the API (as an ops admin); returns its Plant-minted customer_id. */
export async function createCustomer(
  app: App,
  displayName = 'Test customer',
  email?: string,
): Promise<string> {
  const res = await call(app, {
    method: 'POST',
    url: '/api/v1/customers',
    payload: email === undefined ? { display_name: displayName } : { display_name: displayName, email },
  });
  if (res.statusCode !== 201) throw new Error(`create customer failed: ${res.statusCode} ${res.body}`);
  return (res.json() as { customer_id: string }).customer_id;
}

/** Hires the trading agent for a customer (creating the customer first when needed); returns the hire's id. */
export async function hire(
  app: App,
  customerId: string,
  setupOverrides: Partial<TAgentSetup> = {},
  plan: 'trial' | 'paid' = 'trial',
): Promise<string> {
  await ensureCustomer(app, customerId);
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
    customer_id: testCustomerId('cust-001'),
    exchange_account_id: testCredentialRef('cred_ref_001'),
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
  principal: TPrincipal = OPS_ADMIN,
) {
  return call(
    app,
    { method: 'POST', url: `/api/v1/reference-agents/${agent}/run`, payload: body, headers },
    principal,
  );
}
