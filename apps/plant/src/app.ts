import { randomUUID } from 'node:crypto';
import { type App, createApp, type Db, type Logger, type Migration } from '@delta/server-kit';
import { createReplayCache, publicJwks, type ServiceKeys } from '@delta/service-auth';
import type { HiredAgentDeps } from './agent-mold/hired-agents.ts';
import { compileReferenceAgents, REFERENCE_AGENT_SPECS } from './agent-mold/reference-agents.ts';
import { createRefusalRecorder } from './audit/refusals.ts';
import { createAccessGuard } from './auth/access.ts';
import { type IdentityVerifier, registerIdentity } from './auth/identity.ts';
import type { AccountReader } from './integrations/account-reader.ts';
import type { ApprovalVerifier } from './integrations/approval-verifier.ts';
import { createStaticMarketData, type MarketData } from './integrations/market-data.ts';
import type { OrderExecutor } from './integrations/order-executor.ts';
import { loadPlaybooks, PLAYBOOKS_DIR } from './playbooks/playbook-loader.ts';
import { registerAgentMoldRoutes } from './routes/agent-mold-routes.ts';
import { registerAuditRoutes } from './routes/audit-routes.ts';
import { registerCustomerRoutes } from './routes/customer-routes.ts';
import { registerExecutionRoutes } from './routes/execution-routes.ts';
import { registerHiredAgentRoutes } from './routes/hired-agent-routes.ts';
import { registerProposalRoutes } from './routes/proposal-routes.ts';
import { registerReferenceAgentRoutes } from './routes/reference-agent-routes.ts';
import { createRunService } from './run-service.ts';

export const SERVICE = 'plant';

export interface Deps {
  logger: Logger;
  db: Db;
  /** plantMigrations(): the replay cache's table and Plant's own. */
  migrations: Migration[];
  /**
   * Verifies the gateway's X-Identity-Assertion on every /api/ request. Required, with no default: a Plant that
   * cannot tell who is calling must not start (main.ts: createGatewayIdentityVerifier(GATEWAY_JWKS_URL)).
   */
  identityVerifier: IdentityVerifier;
  /** Product catalogue and mark prices. Default: the static Delta India catalogue with no prices (drafts → 503). */
  marketData?: MarketData;
  /** Verifies and consumes approvals. Default: refuses every approval (fail closed). */
  approvalVerifier?: ApprovalVerifier;
  /** Sends orders to the exchange. Default: none configured (503). */
  orderExecutor?: OrderExecutor;
  clock?: () => Date;
  newId?: () => string;
  /** INR per USD as a decimal string; Delta India uses a fixed 85. */
  inrPerUsd?: string;
  hookTimeoutMs?: number;
  /** Specs to register (default: the built-in reference agents); each is validated before the app exists. */
  referenceAgentSpecs?: readonly unknown[];
  playbooksDir?: string;
  /** Reads the customer's exchange account (the position an exit reduces, the order a cancel cancels) through the portal that keeps the key (the exchange wiring's). */
  accountReader?: AccountReader;
  /** Plant's keys: the public halves are served at /.well-known/jwks.json (portals verify Plant's calls and encrypt bundles to it). */
  serviceKeys?: ServiceKeys;
}

/** Plant — the trading agent runtime: agent specs, hired agents, draft plans, executions, audit. */
export async function buildApp(deps: Deps): Promise<App> {
  const now = deps.clock ?? (() => new Date());
  const newId = deps.newId ?? randomUUID;
  const marketData = deps.marketData ?? createStaticMarketData(async () => undefined);

  // Start-up validation: a bad playbook or an invalid reference agent throws here and the service stops.
  const playbooks = loadPlaybooks(deps.playbooksDir ?? PLAYBOOKS_DIR);
  const registry = compileReferenceAgents(deps.referenceAgentSpecs ?? REFERENCE_AGENT_SPECS, playbooks);

  const hiredDeps: HiredAgentDeps = { db: deps.db, registry, marketData, newId, now };
  const runDeps = createRunService({
    db: deps.db,
    registry,
    marketData,
    hiredAgents: hiredDeps,
    approvalVerifier: deps.approvalVerifier,
    orderExecutor: deps.orderExecutor,
    accountReader: deps.accountReader,
    inrPerUsd: deps.inrPerUsd,
    hookTimeoutMs: deps.hookTimeoutMs,
    newId,
    now,
  });

  const app = await createApp({
    service: SERVICE,
    description: 'the trading agent runtime: agent specs, hired agents, draft plans, executions, audit.',
    logger: deps.logger,
    db: deps.db,
    migrations: deps.migrations,
    // Identity and role refusals and refused writes (schema 422s included) go on the audit chain.
    onRefusal: createRefusalRecorder(deps.db, deps.logger, newId, now),
  });
  // Identity first: its hooks must run before any route's handler.
  // Each assertion is used once: its jti is kept in used_token_ids (plantMigrations) until it expires.
  registerIdentity(app, deps.identityVerifier, createReplayCache(deps.db));
  const access = createAccessGuard({ db: deps.db, newId, now });
  registerAgentMoldRoutes(app);
  registerReferenceAgentRoutes(app, registry, runDeps, access);
  registerHiredAgentRoutes(app, hiredDeps, access);
  registerAuditRoutes(app, deps.db, access);
  registerCustomerRoutes(app, { db: deps.db, newId, now }, access);
  registerExecutionRoutes(app, deps.db, access);
  registerProposalRoutes(app, { db: deps.db, run: runDeps, newId, now }, access);
  if (deps.serviceKeys) {
    const jwks = publicJwks(deps.serviceKeys);
    app.get('/.well-known/jwks.json', { schema: { tags: ['ops'] } }, async () => jwks);
  }
  return app;
}
