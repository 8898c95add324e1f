import { ZCustomer } from '@delta/contracts';
import { type AccountStreams, registerPortalCore, startAccountStreams, type Vault } from '@delta/portal';
import { type App, createApp, type Db, type Logger, type Migration } from '@delta/server-kit';
import type { ServiceKeys } from '@delta/service-auth';
import type { JWK } from 'jose';
import { createPpRefusalRecorder } from './auth/refusal-audit.ts';
import { registerSessions } from './auth/session-plugin.ts';
import type { Config } from './config.ts';
import { registerApprovalRoutes } from './routes/approval-routes.ts';
import { registerAuditRoutes } from './routes/audit-routes.ts';
import { registerAuthRoutes } from './routes/auth-routes.ts';
import { registerCpInviteRoutes } from './routes/cp-invite-routes.ts';
import { registerCredentialRoutes } from './routes/credential-routes.ts';
import { registerMarketRoutes } from './routes/market-routes.ts';
import { opsPrincipal, registerPlantRelayRoutes } from './routes/plant-relay-routes.ts';
import { registerPositionRoutes } from './routes/position-routes.ts';
import { registerStreamRoutes } from './routes/stream-routes.ts';

export const SERVICE = 'pp-api';

declare module 'fastify' {
  interface FastifyInstance {
    /** The live account streams (tests count what they hold open). */
    accountStreams: AccountStreams;
  }
}

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
  plantEncryptionKey?: () => Promise<JWK | CryptoKey>;
}

/**
 * PP — the ops portal backend: ops users and their sessions, and on top of the portal core (packages/portal:
 * the vault, approvals, the Plant-facing internal API, the Plant client, the audit log) the ops views of it.
 */
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
  const core = registerPortalCore(app, {
    portal: 'pp',
    db,
    keys: deps.keys,
    plantGatewayUrl: config.PLANT_GATEWAY_URL,
    plantJwksUrl: config.PLANT_JWKS_URL,
    paperUrl: config.PAPER_EXCHANGE_URL,
    approvalTtlSeconds: config.APPROVAL_TTL_SECONDS,
    bundleWindowSeconds: config.BUNDLE_WINDOW_SECONDS,
    vault: deps.vault,
    plantEncryptionKey: deps.plantEncryptionKey,
  });

  await registerSessions(app, db);
  registerAuthRoutes(app, db, {
    sessionTtlSeconds: config.SESSION_TTL_SECONDS,
    secureCookies: config.SECURE_COOKIES,
    maxFailures: config.LOGIN_MAX_FAILURES,
    lockoutSeconds: config.LOGIN_LOCKOUT_SECONDS,
  });
  registerPlantRelayRoutes(app, core.plant, core.vault);
  registerAuditRoutes(app, { db, plant: core.plant });
  registerCredentialRoutes(app, {
    credentials: core.credentials,
    customerExists: async (id, correlationId, request) => {
      const r = await core.plant.call('GET', `/api/v1/customers/${encodeURIComponent(id)}`, {
        principal: opsPrincipal(request),
        correlationId,
        answer: ZCustomer,
      });
      return r.ok;
    },
  });
  registerApprovalRoutes(app, { approvals: core.approvals });
  registerCpInviteRoutes(app, {
    db,
    keys: deps.keys,
    plant: core.plant,
    cpPublicUrl: config.CP_PUBLIC_URL,
    ttlSeconds: config.CP_INVITE_TTL_SECONDS,
  });
  registerPositionRoutes(app, { vault: core.vault, paperUrl: config.PAPER_EXCHANGE_URL });
  registerMarketRoutes(app, { paperUrl: config.PAPER_EXCHANGE_URL, vault: core.vault });
  const streams = startAccountStreams(app, {
    vault: core.vault,
    paperUrl: config.PAPER_EXCHANGE_URL,
    logger: deps.logger,
    config,
  });
  app.decorate('accountStreams', streams);
  registerStreamRoutes(app, { db, vault: core.vault, streams, sessionCheckMs: config.STREAM_HEARTBEAT_MS });
  return app;
}
