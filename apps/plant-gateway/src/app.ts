import { type App, createApp, type Db, type Logger, type Migration, redactUrl } from '@delta/server-kit';
import {
  createServiceTokenVerifier,
  type IssuerKeys,
  publicJwks,
  type ServiceKeys,
} from '@delta/service-auth';
import { redactRequestUrl } from './credential-firewall.ts';
import { createRefusalRecorder } from './gateway-audit.ts';
import { type RateLimitSettings, TokenBucketLimiter } from './rate-limiter.ts';
import { registerProxyRoutes } from './routes/proxy-routes.ts';

export const SERVICE = 'plant-gateway';

export interface Deps {
  logger: Logger;
  db: Db;
  migrations: Migration[];
  /** The gateway's own keys: it signs identity assertions with them and publishes the public half. */
  keys: ServiceKeys;
  /** The portals whose service tokens are accepted, and where their public keys come from. */
  issuers: { pp: IssuerKeys; cp: IssuerKeys };
  plantUrl: string;
  upstreamTimeoutMs: number;
  rateLimit: RateLimitSettings;
  now?: () => number;
}

/**
 * The request log line must not carry a secret a caller put in the query string, even one the generic URL
 * redaction does not know by name (`client_secret=…`, a bare 60-hex value): the firewall's own rules apply.
 */
function gatewayLogger(logger: Logger): Logger {
  return logger.child(
    {},
    {
      serializers: {
        req: (req: { method?: string; url?: string; ip?: string; headers?: Record<string, unknown> }) => ({
          method: req.method,
          url: redactUrl(redactRequestUrl(req.url ?? '')),
          remote_address: req.ip,
          user_agent: req.headers?.['user-agent'],
        }),
      },
    },
  );
}

/** Plant gateway — the only door into Plant: service auth, rate limits, credential firewall. */
export async function buildApp(deps: Deps): Promise<App> {
  const logger = gatewayLogger(deps.logger);
  const app = await createApp({
    service: SERVICE,
    description: 'the only door into Plant: service auth, rate limits, credential firewall.',
    logger,
    db: deps.db,
    migrations: deps.migrations,
  });

  const jwks = publicJwks(deps.keys);
  // Plant verifies X-Identity-Assertion against this document.
  app.get('/.well-known/jwks.json', { schema: { tags: ['ops'] } }, async (_request, reply) =>
    reply.header('cache-control', 'public, max-age=300').send(jwks),
  );

  const proxyDeps = {
    verify: createServiceTokenVerifier({ audience: SERVICE, issuers: deps.issuers }),
    keys: deps.keys,
    limiter: new TokenBucketLimiter(deps.rateLimit, deps.now),
    recordRefusal: createRefusalRecorder(deps.db, logger),
    plantUrl: deps.plantUrl,
    upstreamTimeoutMs: deps.upstreamTimeoutMs,
  };
  await app.register(async (scope) => registerProxyRoutes(scope, proxyDeps));
  return app;
}
