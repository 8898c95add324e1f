import { type App, createApp, type Db, type Logger, type Migration } from '@delta/server-kit';
import {
  createReplayCache,
  createServiceTokenVerifier,
  type IssuerKeys,
  publicJwks,
  type ServiceKeys,
} from '@delta/service-auth';
import { createRefusalRecorder, createUnrecordedRefusalListener } from './gateway-audit.ts';
import { createCallerLimiter, type RateLimitSettings } from './rate-limiter.ts';
import { registerProxyRoutes } from './routes/proxy-routes.ts';
import { registerRefusalRoutes } from './routes/refusal-routes.ts';

export const SERVICE = 'plant-gateway';

export interface Deps {
  logger: Logger;
  db: Db;
  /** gatewayMigrations(): the replay cache's table and the gateway's own. */
  migrations: Migration[];
  /** The gateway's own keys: it signs identity assertions with them and publishes the public half. */
  keys: ServiceKeys;
  /** The portals whose service tokens are accepted, and where their public keys come from. */
  issuers: { pp: IssuerKeys; cp: IssuerKeys };
  plantUrl: string;
  upstreamTimeoutMs: number;
  rateLimit: RateLimitSettings;
}

/** Plant gateway — the only door into Plant: service auth, rate limits, credential firewall. */
export async function buildApp(deps: Deps): Promise<App> {
  // Request lines go through server-kit's one URL redaction, the same rules every service logs by.
  const logger = deps.logger;
  const recordRefusal = createRefusalRecorder(deps.db, logger);
  const app = await createApp({
    service: SERVICE,
    description: 'the only door into Plant: service auth, rate limits, credential firewall.',
    logger,
    db: deps.db,
    migrations: deps.migrations,
    // Every 4xx the gateway answers is on record: the routes record theirs with the caller, this the rest.
    onRefusal: createUnrecordedRefusalListener(recordRefusal),
  });

  const jwks = publicJwks(deps.keys);
  // Plant verifies X-Identity-Assertion against this document.
  app.get('/.well-known/jwks.json', { schema: { tags: ['ops'] } }, async (_request, reply) =>
    reply.header('cache-control', 'public, max-age=300').send(jwks),
  );

  const proxyDeps = {
    verify: createServiceTokenVerifier({ audience: SERVICE, issuers: deps.issuers }),
    keys: deps.keys,
    limiter: createCallerLimiter(deps.rateLimit),
    recordRefusal,
    // A portal token is used once: its jti is kept in the database (used_token_ids) until it expires.
    replayCache: createReplayCache(deps.db),
    plantUrl: deps.plantUrl,
    upstreamTimeoutMs: deps.upstreamTimeoutMs,
  };
  await app.register(async (scope) => registerProxyRoutes(scope, proxyDeps));
  // The gateway's own read API (not under /api/, so never forwarded): its refusals, for PP's Audit view.
  await app.register(async (scope) => registerRefusalRoutes(scope, { ...proxyDeps, db: deps.db }));
  return app;
}
