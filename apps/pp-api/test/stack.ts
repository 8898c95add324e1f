/**
 * The whole platform in one test process, each service on its own port and its own database, talking real
 * HTTP with real signatures: paper exchange ← Plant ← gateway ← PP. Used by the runbook tests of issue 5.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp as buildCp } from '@delta/cp-api/src/app.ts';
import { ZConfig as ZCpConfig } from '@delta/cp-api/src/config.ts';
import { cpMigrations } from '@delta/cp-api/src/migrations.ts';
import { paperExchangeMigrations, startPaperExchange } from '@delta/paper-exchange';
import { buildApp as buildPlant } from '@delta/plant/src/app.ts';
import { createUsageRecorder } from '@delta/plant/src/audit/usage-events.ts';
import { createGatewayIdentityVerifier } from '@delta/plant/src/auth/identity.ts';
import { createExchangeWiring, type ExchangeWiring } from '@delta/plant/src/execution/wiring.ts';
import { createDeltaMarketData } from '@delta/plant/src/integrations/delta-market-data.ts';
import { plantMigrations as allPlantMigrations } from '@delta/plant/src/migrations.ts';
import { buildApp as buildGateway } from '@delta/plant-gateway/src/app.ts';
import { gatewayMigrations as allGatewayMigrations } from '@delta/plant-gateway/src/migrations.ts';
import { createVault } from '@delta/portal';
import { type App, createLogger, parseConfig } from '@delta/server-kit';
import { ephemeralServiceKeys, type ServiceKeys } from '@delta/service-auth';
import {
  createTestDatabase,
  freePort,
  type HoldingProxy,
  LogCapture,
  startHoldingProxy,
  type TestDatabase,
} from '@delta/testing';
import { MasterKeyring } from '@delta/vault';
import { buildApp as buildPp } from '../src/app.ts';
import { hashPassword } from '../src/auth/passwords.ts';
import { insertUser } from '../src/auth/users-repository.ts';
import { ZConfig } from '../src/config.ts';
import { ppMigrations } from '../src/migrations.ts';

export const PASSWORD = 'correct horse battery staple';
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const CP_MIGRATIONS_DIR = here('../../cp-api/migrations');

export interface Stack {
  ppUrl: string;
  gatewayUrl: string;
  plantUrl: string;
  paper: Awaited<ReturnType<typeof startPaperExchange>>;
  dbs: Record<'paper' | 'plant' | 'gateway' | 'pp', TestDatabase>;
  logs: LogCapture;
  exchange: ExchangeWiring;
  apps: { plant: App | undefined; gateway: App; pp: App };
  /** Set when Plant runs as its own process. */
  plantProcess?: PlantProcess;
  /** Set with `portalProxy`: what Plant's calls to PP's internal API pass through. */
  portalProxy?: HoldingProxy;
  /** Set with `cp`: CP's app (its URL, database and the vault keyring it seals secrets with). */
  cp?: { app: App; url: string; db: TestDatabase; keyring: MasterKeyring };
  keys: { plant: ServiceKeys; gateway: ServiceKeys; pp: ServiceKeys; cp?: ServiceKeys };
  close(): Promise<void>;
}

export interface StackOptions {
  replayWaitMs?: number;
  /** Run Plant as its own OS process (its real main.ts), so a test can kill and restart it. */
  plantProcess?: boolean;
  /** Extra environment for that process. */
  plantEnv?: Record<string, string>;
  /** Reference agent specs for Plant (e.g. a bigger daily budget for benchmarks). */
  referenceAgentSpecs?: readonly unknown[];
  /** The paper exchange's quota (benchmarks raise it: they are not measuring Delta's rate limit). */
  paperRateLimit?: { unitsPerWindow: number; windowMs: number };
  /** Plant's mark-price cache (tests: 0, every draft sees the price just set). */
  priceTtlMs?: number;
  logLevel?: string;
  /** The paper exchange refuses a duplicate client_order_id (default true); false = it takes it as a new order. */
  uniqueClientOrderIds?: boolean;
  /** Plant's reconciliation horizon and its request path's lease (in-process Plant). */
  reconcileHorizonS?: number;
  executionLeaseS?: number;
  attemptLeaseS?: number;
  /** Put a holding proxy between Plant and PP's internal API (to hold a consumption mid-way). */
  portalProxy?: boolean;
  /** Extra PP configuration (environment names, e.g. STREAM_HEARTBEAT_MS). */
  ppEnv?: Record<string, string>;
  /** Run CP too (its own database and keys; the gateway takes its customers, Plant its approvals and bundles). */
  cp?: boolean;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const logs = new LogCapture();
  const logger = (service: string) =>
    createLogger({ service, level: options.logLevel ?? 'info', destination: logs });
  // Each with the shared replay cache's table (used_token_ids) first, as their main.ts applies them.
  const plantMigrations = allPlantMigrations();
  const gatewayMigrations = allGatewayMigrations();
  const ppMig = ppMigrations(here('../migrations'));
  const dbs = {
    paper: await createTestDatabase({ migrations: paperExchangeMigrations() }),
    plant: await createTestDatabase({ migrations: plantMigrations }),
    gateway: await createTestDatabase({ migrations: gatewayMigrations }),
    pp: await createTestDatabase({ migrations: ppMig }),
  };
  const ports = {
    plant: await freePort(),
    gateway: await freePort(),
    pp: await freePort(),
    cp: await freePort(),
  };
  const url = (port: number) => `http://127.0.0.1:${port}`;
  const cpUrl = url(ports.cp);
  const cpDb = options.cp
    ? await createTestDatabase({ migrations: cpMigrations(CP_MIGRATIONS_DIR) })
    : undefined;
  const cpKeys = options.cp ? await ephemeralServiceKeys('cp') : undefined;
  const [plantUrl, gatewayUrl, ppUrl] = [url(ports.plant), url(ports.gateway), url(ports.pp)];
  const portalProxy = options.portalProxy ? await startHoldingProxy(ppUrl) : undefined;
  const ppInternalUrl = portalProxy?.url ?? ppUrl;

  const paper = await startPaperExchange({
    db: dbs.paper.db,
    adminEnabled: true,
    logger: logger('paper-exchange'),
    uniqueClientOrderIds: options.uniqueClientOrderIds,
  });
  const keys = {
    plant: await ephemeralServiceKeys('plant'),
    gateway: await ephemeralServiceKeys('plant-gateway'),
    pp: await ephemeralServiceKeys('pp'),
  };

  const exchange = createExchangeWiring({
    db: dbs.plant.db,
    logger: logger('plant'),
    keys: keys.plant,
    portals: { pp: ppInternalUrl, ...(options.cp ? { cp: cpUrl } : {}) },
    portalJwks: {
      pp: `${ppUrl}/.well-known/jwks.json`,
      ...(options.cp ? { cp: `${cpUrl}/.well-known/jwks.json` } : {}),
    },
    paperUrl: paper.url,
    recordUsage: createUsageRecorder(
      dbs.plant.db,
      () => crypto.randomUUID(),
      () => new Date(),
    ),
    replayWaitMs: options.replayWaitMs,
    reconcileHorizonS: options.reconcileHorizonS,
    executionLeaseS: options.executionLeaseS,
    attemptLeaseS: options.attemptLeaseS,
  });
  let plantProcess: PlantProcess | undefined;
  let plant: App | undefined;
  if (options.plantProcess) {
    plantProcess = await startPlantProcess({
      PORT: String(ports.plant),
      GATEWAY_JWKS_URL: `${gatewayUrl}/.well-known/jwks.json`,
      PP_API_URL: ppInternalUrl,
      PP_JWKS_URL: `${ppUrl}/.well-known/jwks.json`,
      PAPER_EXCHANGE_URL: paper.url,
      PLANT_MARKET_DATA: 'paper',
      ...options.plantEnv,
      ...(dbs.plant.url ? { DATABASE_URL: dbs.plant.url } : {}),
    });
  } else {
    plant = await buildPlant({
      referenceAgentSpecs: options.referenceAgentSpecs,
      logger: logger('plant'),
      db: dbs.plant.db,
      migrations: plantMigrations,
      marketData: createDeltaMarketData({
        preset: 'paper',
        baseUrl: paper.url,
        priceTtlMs: options.priceTtlMs ?? 0,
      }),
      approvalVerifier: exchange.approvalVerifier,
      orderExecutor: exchange.orderExecutor,
      accountReader: exchange.accountReader,
      identityVerifier: createGatewayIdentityVerifier(`${gatewayUrl}/.well-known/jwks.json`),
      serviceKeys: keys.plant,
    });
    await plant.listen({ host: '127.0.0.1', port: ports.plant });
  }

  const gateway = await buildGateway({
    logger: logger('plant-gateway'),
    db: dbs.gateway.db,
    migrations: gatewayMigrations,
    keys: keys.gateway,
    issuers: {
      pp: { jwksUrl: `${ppUrl}/.well-known/jwks.json` },
      cp: options.cp ? { jwksUrl: `${cpUrl}/.well-known/jwks.json` } : { jwks: { keys: [] } },
    },
    plantUrl,
    upstreamTimeoutMs: 20_000,
    rateLimit: { perSecond: 0, burst: 0 },
  });
  await gateway.listen({ host: '127.0.0.1', port: ports.gateway });

  const pp = await buildPp({
    logger: logger('pp-api'),
    db: dbs.pp.db,
    migrations: ppMig,
    config: parseConfig('pp-api', ZConfig, {
      PLANT_GATEWAY_URL: gatewayUrl,
      PLANT_JWKS_URL: `${plantUrl}/.well-known/jwks.json`,
      PAPER_EXCHANGE_URL: paper.url,
      ...options.ppEnv,
    }),
    keys: keys.pp,
    vault: createVault(dbs.pp.db, 'pp', new MasterKeyring([{ version: 'v1', key: Buffer.alloc(32, 9) }])),
  });
  await pp.listen({ host: '127.0.0.1', port: ports.pp });
  let cp: Stack['cp'];
  if (cpDb && cpKeys) {
    const keyring = new MasterKeyring([{ version: 'v1', key: Buffer.alloc(32, 7) }]);
    const cpApp = await buildCp({
      logger: logger('cp-api'),
      db: cpDb.db,
      migrations: cpMigrations(CP_MIGRATIONS_DIR),
      config: parseConfig('cp-api', ZCpConfig, {
        PLANT_GATEWAY_URL: gatewayUrl,
        PLANT_JWKS_URL: `${plantUrl}/.well-known/jwks.json`,
        PAPER_EXCHANGE_URL: paper.url,
        PP_JWKS_URL: `${ppUrl}/.well-known/jwks.json`,
        CP_PUBLIC_URL: 'http://localhost:3002',
      }),
      keys: cpKeys,
      vault: createVault(cpDb.db, 'cp', keyring),
    });
    await cpApp.listen({ host: '127.0.0.1', port: ports.cp });
    cp = { app: cpApp, url: cpUrl, db: cpDb, keyring };
  }
  for (const role of ['admin', 'operator', 'viewer'] as const) {
    await insertUser(dbs.pp.db, {
      username: role,
      display_name: `Test ${role}`,
      role,
      password_hash: await hashPassword(PASSWORD),
    });
  }

  return {
    ppUrl,
    gatewayUrl,
    plantUrl,
    paper,
    dbs,
    logs,
    exchange,
    keys: { ...keys, ...(cpKeys ? { cp: cpKeys } : {}) },
    cp,
    apps: { plant, gateway, pp },
    plantProcess,
    portalProxy,
    async close() {
      await cp?.app.close();
      await cp?.db.drop();
      await pp.close();
      await gateway.close();
      await plant?.close();
      await plantProcess?.kill('SIGTERM');
      await paper.close();
      await portalProxy?.close();
      for (const t of Object.values(dbs)) await t.drop();
    },
  };
}

/** A signed-in PP browser session: JSON calls with the session cookie, like the web app makes. */
export interface Session {
  call<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: T; headers: Headers }>;
}

/**
 * `client` is the HTTP client the session uses (default: the global fetch). Benchmarks pass the kit's lighter
 * keep-alive client so the load generator takes less of the machine from the services it measures.
 */
export async function signIn(
  stack: Stack,
  username: string,
  client: (
    url: string,
    init: { method: string; headers: Record<string, string>; body?: string },
  ) => Promise<Response> = fetch,
): Promise<Session> {
  const r = await client(`${stack.ppUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  if (r.status !== 200) throw new Error(`login failed: ${r.status} ${await r.text()}`);
  const cookie = (r.headers.get('set-cookie') ?? '').split(';')[0]!;
  return {
    async call(method, path, body, headers = {}) {
      const res = await client(`${stack.ppUrl}${path}`, {
        method,
        headers: {
          cookie,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : null) as never, headers: res.headers };
    },
  };
}

export interface PlantProcess {
  output(): string;
  /** The OS process id of the running Plant. */
  pid(): number | undefined;
  kill(signal: NodeJS.Signals): Promise<void>;
  restart(): Promise<void>;
}

/**
 * Plant's real main.ts in a child process. With PGlite its database lives in a temporary folder (the test
 * must then read Plant's state through its API); with PostgreSQL it uses the test's database.
 */
async function startPlantProcess(env: Record<string, string>): Promise<PlantProcess> {
  const dataRoot = mkdtempSync(join(tmpdir(), 'plant-proc-'));
  const fullEnv = {
    ...(process.env as Record<string, string>),
    TEST_DATABASE_URL: '',
    DATA_ROOT: dataRoot,
    LOG_LEVEL: 'info',
    PLANT_EXECUTION_LEASE_S: '3',
    PLANT_RECONCILE_INTERVAL_MS: '300',
    ...env,
  };
  let out = '';
  let child: ChildProcess;
  const spawnOnce = async () => {
    child = spawn(
      process.execPath,
      [
        ...(process.env.PLANT_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
        '--import',
        'tsx',
        here('../../plant/src/main.ts'),
      ],
      {
        env: fullEnv,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout?.on('data', (d) => {
      out += d;
    });
    child.stderr?.on('data', (d) => {
      out += d;
    });
    // tsx compiles Plant on first start and PGlite initialises its data folder: slow on a loaded 2-core machine.
    const deadline = Date.now() + 120_000;
    for (;;) {
      try {
        if ((await fetch(`http://127.0.0.1:${env.PORT}/readyz`)).ok) return;
      } catch {}
      if (child.exitCode !== null) throw new Error(`plant exited:\n${out}`);
      if (Date.now() > deadline) throw new Error(`plant not ready:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  await spawnOnce();
  return {
    output: () => out,
    pid: () => child.pid,
    async kill(signal) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill(signal);
      await exited;
    },
    restart: spawnOnce,
  };
}
