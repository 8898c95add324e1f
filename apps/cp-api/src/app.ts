import { CP_SESSION_COOKIE, ZCredentialRef } from '@delta/contracts';
import { registerPortalCore, serveAccountStream, startAccountStreams, type Vault } from '@delta/portal';
import { type App, createApp, type Db, type Logger, type Migration } from '@delta/server-kit';
import { type JwtKey, remoteVerificationKey, type ServiceKeys } from '@delta/service-auth';
import type { JWK } from 'jose';
import { z } from 'zod';
import type { CpAuthDeps } from './auth/context.ts';
import { createCpRefusalRecorder } from './auth/refusal-audit.ts';
import {
  actorOf,
  isSessionLive,
  registerCustomerSessions,
  requireCustomer,
  type SessionPolicy,
} from './auth/sessions.ts';
import { verifyStepUp } from './auth/step-up.ts';
import { createThrottle } from './auth/throttle.ts';
import { type Config, secureCookies } from './config.ts';
import { cpAudit } from './cp-audit.ts';
import { registerFactorRoutes } from './routes/factor-routes.ts';
import { registerFlattenRoutes } from './routes/flatten-routes.ts';
import { registerLoginRoutes } from './routes/login-routes.ts';
import { registerSessionRoutes } from './routes/session-routes.ts';
import { registerSignupRoutes } from './routes/signup-routes.ts';
import { registerStepUpRoutes } from './routes/step-up-routes.ts';
import { type CpTradingDeps, registerCpTradingRoutes } from './routes/trading-routes.ts';

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
  const trading = {
    core,
    requireCustomer,
    verifyStepUp: (request, session, intentHash, evidence) =>
      verifyStepUp(
        db,
        { customerUserId: session.user_id, intentHash, evidence, correlationId: request.correlationId },
        { rp: auth.rp, keyring: auth.keyring, throttle: auth.throttle, logger: deps.logger },
      ),
  } satisfies CpTradingDeps;
  registerCpTradingRoutes(app, trading);
  const streams = startAccountStreams(app, {
    vault: core.vault,
    paperUrl: config.PAPER_EXCHANGE_URL,
    logger: deps.logger,
    config,
  });
  app.get(
    '/api/credentials/:credential_ref/stream',
    {
      schema: {
        tags: ['positions'],
        summary:
          'Your live account (Server-Sent Events): a snapshot, then position/order/fill/margins/mark deltas',
        params: z.strictObject({ credential_ref: ZCredentialRef }),
        querystring: z.strictObject({}),
      },
    },
    async (request, reply) => {
      const s = requireCustomer(request);
      const token = request.cookies[CP_SESSION_COOKIE] ?? '';
      await serveAccountStream(request, reply, {
        streams,
        vault: core.vault,
        credentialRef: request.params.credential_ref,
        // Another customer's key is the same 404 as an unknown one.
        customerId: s.customer_id,
        audit: (entry) =>
          cpAudit.append(db, {
            correlation_id: request.correlationId,
            actor: actorOf(request),
            target: request.params.credential_ref,
            ...entry,
          }),
        stillSignedIn: () => isSessionLive(db, token, policy.idleSeconds),
        sessionCheckMs: config.STREAM_HEARTBEAT_MS,
      });
    },
  );
  registerFlattenRoutes(app, trading);
  return app;
}
