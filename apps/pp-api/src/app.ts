import { createApprovalLedger } from '@delta/approval-ledger';
import { type App, createApp, type Db, type Logger, type Migration } from '@delta/server-kit';
import { createServiceTokenVerifier, publicJwks, type ServiceKeys } from '@delta/service-auth';
import type { JWK } from 'jose';
import { createPpRefusalRecorder } from './auth/refusal-audit.ts';
import { registerSessions } from './auth/session-plugin.ts';
import type { Config } from './config.ts';
import { registerApprovalRoutes } from './routes/approval-routes.ts';
import { registerAuditRoutes } from './routes/audit-routes.ts';
import { registerAuthRoutes } from './routes/auth-routes.ts';
import { registerCredentialRoutes } from './routes/credential-routes.ts';
import { registerInternalRoutes } from './routes/internal-routes.ts';
import { opsPrincipal, registerPlantRelayRoutes } from './routes/plant-relay-routes.ts';
import { registerPositionRoutes } from './routes/position-routes.ts';
import { createPlantClient } from './services/plant-client.ts';
import { createPlantEncryptionKeySource } from './services/plant-keys.ts';
import { createVault, type Vault } from './services/vault.ts';

export const SERVICE = 'pp-api';

export interface Deps {
  logger: Logger;
  db: Db;
  migrations: Migration[];
  config: Config;
  keys: ServiceKeys;
  vault?: Vault;
  /** The built PP web app (apps/pp-web/dist) to serve from `/`, when present. */
  webRoot?: string;
  /** Plant's X25519 key for bundles; defaults to fetching PLANT_JWKS_URL. */
  plantEncryptionKey?: () => Promise<JWK>;
}

/** PP — the ops portal backend: ops users, customers, credential vault, ops-assisted approvals. */
export async function buildApp(deps: Deps): Promise<App> {
  const { config, db } = deps;
  const app = await createApp({
    service: SERVICE,
    description: 'PP, the ops portal: ops users, customers, the credential vault, ops-assisted approvals.',
    logger: deps.logger,
    db,
    migrations: deps.migrations,
    spaRoot: deps.webRoot,
    // No session, wrong role, CSRF and refused writes go on PP's audit chain (see createPpRefusalRecorder).
    onRefusal: createPpRefusalRecorder(db, deps.logger),
  });
  const vault = deps.vault ?? createVault(db);
  const ledger = createApprovalLedger({ db, defaultTtlSeconds: config.APPROVAL_TTL_SECONDS });
  const plant = createPlantClient({ gatewayUrl: config.PLANT_GATEWAY_URL, keys: deps.keys, issuer: 'pp' });

  app.get('/.well-known/jwks.json', { schema: { hide: true } }, async () => publicJwks(deps.keys));

  await registerSessions(app, db);
  registerAuthRoutes(app, db, {
    sessionTtlSeconds: config.SESSION_TTL_SECONDS,
    secureCookies: config.SECURE_COOKIES,
    maxFailures: config.LOGIN_MAX_FAILURES,
    lockoutSeconds: config.LOGIN_LOCKOUT_SECONDS,
  });
  registerPlantRelayRoutes(app, plant, vault);
  registerAuditRoutes(app, { db, plant });
  registerCredentialRoutes(app, {
    db,
    vault,
    paperUrl: config.PAPER_EXCHANGE_URL,
    customerExists: async (id, correlationId, request) => {
      const r = await plant.call('GET', `/api/v1/customers/${encodeURIComponent(id)}`, {
        principal: opsPrincipal(request),
        correlationId,
      });
      return r.status === 200;
    },
  });
  registerApprovalRoutes(app, { db, ledger, plant, vault, ttlSeconds: config.APPROVAL_TTL_SECONDS });
  registerPositionRoutes(app, { vault, paperUrl: config.PAPER_EXCHANGE_URL });
  registerInternalRoutes(app, {
    db,
    ledger,
    vault,
    keys: deps.keys,
    verifyPlant: createServiceTokenVerifier({
      audience: 'pp',
      issuers: { plant: { jwksUrl: config.PLANT_JWKS_URL } },
    }),
    plantEncryptionKey: deps.plantEncryptionKey ?? createPlantEncryptionKeySource(config.PLANT_JWKS_URL),
    bundleWindowSeconds: config.BUNDLE_WINDOW_SECONDS,
    paperUrl: config.PAPER_EXCHANGE_URL,
  });
  return app;
}
