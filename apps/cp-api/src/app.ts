import { registerPortalCore, type Vault } from '@delta/portal';
import { type App, createApp, type Db, type Logger, type Migration } from '@delta/server-kit';
import { type JwtKey, remoteVerificationKey, type ServiceKeys } from '@delta/service-auth';
import type { JWK } from 'jose';
import type { CpAuthDeps } from './auth/context.ts';
import { createCpRefusalRecorder } from './auth/refusal-audit.ts';
import { registerCustomerSessions, requireCustomer, type SessionPolicy } from './auth/sessions.ts';
import { verifyStepUp } from './auth/step-up.ts';
import { createThrottle } from './auth/throttle.ts';
import { type Config, secureCookies } from './config.ts';
import { registerFactorRoutes } from './routes/factor-routes.ts';
import { registerLoginRoutes } from './routes/login-routes.ts';
import { registerSessionRoutes } from './routes/session-routes.ts';
import { registerSignupRoutes } from './routes/signup-routes.ts';
import { registerStepUpRoutes } from './routes/step-up-routes.ts';
import { registerCpTradingRoutes } from './routes/trading-routes.ts';

export const SERVICE = 'cp-api';

export interface Deps {
  logger: Logger;
  db: Db;
  migrations: Migration[];
  config: Config;
  keys: ServiceKeys;
  vault?: Vault;
  /** Plant's X25519 key for bundles; defaults to fetching PLANT_JWKS_URL. */
  plantEncryptionKey?: () => Promise<JWK | CryptoKey>;
  /** PP's invitation-signing key; defaults to PP's JWKS (PP_JWKS_URL). */
  ppInviteKey?: () => Promise<JwtKey>;
  /** The built CP web app (apps/cp-web/dist) to serve from `/`, when present. */
  webRoot?: string;
}

/**
 * CP — the customer portal backend: customer users (invited by ops from PP), passkeys and an authenticator app,
 * server-side sessions, step-up; on top of the portal core (packages/portal) it shares with PP.
 */
export async function buildApp(deps: Deps): Promise<App> {
  const { config, db } = deps;
  const app = await createApp({
    service: SERVICE,
    description: 'CP, the customer portal: customer accounts, passkeys, sessions, step-up; the portal core.',
    logger: deps.logger,
    db,
    migrations: deps.migrations,
    spaRoot: deps.webRoot,
    onRefusal: createCpRefusalRecorder(db, deps.logger),
  });
  const core = registerPortalCore(app, {
    portal: 'cp',
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

  const policy: SessionPolicy = {
    idleSeconds: config.SESSION_IDLE_SECONDS,
    maxSeconds: config.SESSION_MAX_SECONDS,
    secureCookies: secureCookies(config),
  };
  const publicUrl = new URL(config.CP_PUBLIC_URL);
  const auth: CpAuthDeps = {
    db,
    logger: deps.logger,
    rp: { id: publicUrl.hostname, name: config.WEBAUTHN_RP_NAME, origin: publicUrl.origin },
    keyring: core.vault.keyring,
    throttle: createThrottle(db, {
      perAccount: config.LOGIN_MAX_FAILURES,
      perIp: config.LOGIN_MAX_FAILURES_PER_IP,
      windowSeconds: config.LOGIN_THROTTLE_SECONDS,
    }),
    policy,
    ppInviteKey: deps.ppInviteKey ?? remoteVerificationKey(config.PP_JWKS_URL, 'EdDSA'),
  };
  await registerCustomerSessions(app, db, policy);
  registerSignupRoutes(app, auth);
  registerLoginRoutes(app, auth);
  registerFactorRoutes(app, auth);
  registerSessionRoutes(app, auth);
  registerStepUpRoutes(app, auth);
  registerCpTradingRoutes(app, {
    core,
    requireCustomer,
    verifyStepUp: (request, session, intentHash, evidence) =>
      verifyStepUp(
        db,
        { customerUserId: session.user_id, intentHash, evidence, correlationId: request.correlationId },
        { rp: auth.rp, keyring: auth.keyring, throttle: auth.throttle, logger: deps.logger },
      ),
  });
  return app;
}
