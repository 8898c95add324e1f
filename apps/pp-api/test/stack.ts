/**
 * The whole platform in one test process, each service on its own port and its own database, talking real
 * HTTP with real signatures: paper exchange ← Plant ← gateway ← PP. Used by the runbook tests of issue 5.
 */
import { fileURLToPath } from 'node:url';
import { paperExchangeMigrations, startPaperExchange } from '@delta/paper-exchange';
import { buildApp as buildPlant } from '@delta/plant/src/app.ts';
import { createUsageRecorder } from '@delta/plant/src/audit/usage-events.ts';
import { createGatewayIdentityVerifier } from '@delta/plant/src/auth/identity.ts';
import { createExchangeWiring, type ExchangeWiring } from '@delta/plant/src/execution/wiring.ts';
import { createDeltaMarketData } from '@delta/plant/src/integrations/delta-market-data.ts';
import { buildApp as buildGateway, SERVICE as GATEWAY } from '@delta/plant-gateway/src/app.ts';
import { type App, createLogger, loadMigrations, parseConfig } from '@delta/server-kit';
import { ephemeralServiceKeys, type ServiceKeys } from '@delta/service-auth';
import { createTestDatabase, freePort, LogCapture, type TestDatabase } from '@delta/testing';
import { MasterKeyring } from '@delta/vault';
import { buildApp as buildPp } from '../src/app.ts';
import { hashPassword } from '../src/auth/passwords.ts';
import { insertUser } from '../src/auth/users-repository.ts';
import { ZConfig } from '../src/config.ts';
import { ppMigrations } from '../src/migrations.ts';
import { createVault } from '../src/services/vault.ts';

export const PASSWORD = 'correct horse battery staple';
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export interface Stack {
  ppUrl: string;
  gatewayUrl: string;
  plantUrl: string;
  paper: Awaited<ReturnType<typeof startPaperExchange>>;
  dbs: Record<'paper' | 'plant' | 'gateway' | 'pp', TestDatabase>;
  logs: LogCapture;
  exchange: ExchangeWiring;
  apps: { plant: App; gateway: App; pp: App };
  keys: { plant: ServiceKeys; gateway: ServiceKeys; pp: ServiceKeys };
  close(): Promise<void>;
}

export async function startStack(
  options: { plantPort?: number; replayWaitMs?: number } = {},
): Promise<Stack> {
  const logs = new LogCapture();
  const logger = (service: string) => createLogger({ service, level: 'info', destination: logs });
  const plantMigrations = loadMigrations(here('../../plant/migrations'), 'plant');
  const gatewayMigrations = loadMigrations(here('../../plant-gateway/migrations'), GATEWAY);
  const ppMig = ppMigrations(here('../migrations'));
  const dbs = {
    paper: await createTestDatabase({ migrations: paperExchangeMigrations() }),
    plant: await createTestDatabase({ migrations: plantMigrations }),
    gateway: await createTestDatabase({ migrations: gatewayMigrations }),
    pp: await createTestDatabase({ migrations: ppMig }),
  };
  const ports = {
    plant: options.plantPort ?? (await freePort()),
    gateway: await freePort(),
    pp: await freePort(),
  };
  const url = (port: number) => `http://127.0.0.1:${port}`;
  const [plantUrl, gatewayUrl, ppUrl] = [url(ports.plant), url(ports.gateway), url(ports.pp)];

  const paper = await startPaperExchange({
    db: dbs.paper.db,
    adminEnabled: true,
    logger: logger('paper-exchange'),
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
    portals: { pp: ppUrl },
    portalJwks: { pp: `${ppUrl}/.well-known/jwks.json` },
    paperUrl: paper.url,
    recordUsage: createUsageRecorder(
      dbs.plant.db,
      () => crypto.randomUUID(),
      () => new Date(),
    ),
    replayWaitMs: options.replayWaitMs,
  });
  const plant = await buildPlant({
    logger: logger('plant'),
    db: dbs.plant.db,
    migrations: plantMigrations,
    marketData: createDeltaMarketData({ preset: 'paper', baseUrl: paper.url, priceTtlMs: 0 }),
    approvalVerifier: exchange.approvalVerifier,
    orderExecutor: exchange.orderExecutor,
    identityVerifier: createGatewayIdentityVerifier(`${gatewayUrl}/.well-known/jwks.json`),
    serviceKeys: keys.plant,
  });
  await plant.listen({ host: '127.0.0.1', port: ports.plant });

  const gateway = await buildGateway({
    logger: logger('plant-gateway'),
    db: dbs.gateway.db,
    migrations: gatewayMigrations,
    keys: keys.gateway,
    issuers: { pp: { jwksUrl: `${ppUrl}/.well-known/jwks.json` }, cp: { jwks: { keys: [] } } },
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
    }),
    keys: keys.pp,
    vault: createVault(dbs.pp.db, new MasterKeyring([{ version: 'v1', key: Buffer.alloc(32, 9) }])),
  });
  await pp.listen({ host: '127.0.0.1', port: ports.pp });
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
    keys,
    apps: { plant, gateway, pp },
    async close() {
      await pp.close();
      await gateway.close();
      await plant.close();
      await paper.close();
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

export async function signIn(stack: Stack, username: string): Promise<Session> {
  const r = await fetch(`${stack.ppUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  if (r.status !== 200) throw new Error(`login failed: ${r.status} ${await r.text()}`);
  const cookie = (r.headers.get('set-cookie') ?? '').split(';')[0]!;
  return {
    async call(method, path, body, headers = {}) {
      const res = await fetch(`${stack.ppUrl}${path}`, {
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
