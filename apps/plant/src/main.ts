import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { defaultDataDir, loadConfigOrExit, runService } from '@delta/server-kit';
import { loadOrCreateServiceKeys, replayCacheMigrations } from '@delta/service-auth';
import { DELTA_TRADING_AGENT } from './agent-mold/reference-agents.ts';
import { buildApp, SERVICE } from './app.ts';
import { createUsageRecorder } from './audit/usage-events.ts';
import { createGatewayIdentityVerifier } from './auth/identity.ts';
import { parseDevMarkPrices, ZConfig } from './config.ts';
import { createExchangeWiring, type ExchangeWiring } from './execution/wiring.ts';
import { createDeltaMarketData } from './integrations/delta-market-data.ts';
import { createStaticMarketData, fixedPrices } from './integrations/market-data.ts';
import { PLANT_MIGRATIONS_DIR } from './migrations.ts';

const config = loadConfigOrExit(SERVICE, ZConfig);
const keys = await loadOrCreateServiceKeys(
  SERVICE,
  join(defaultDataDir('keys'), `${SERVICE}.json`),
  config.SERVICE_KEYS_JSON,
);
let exchange: ExchangeWiring | undefined;

await runService({
  service: SERVICE,
  config,
  migrationsDir: PLANT_MIGRATIONS_DIR,
  sharedMigrations: replayCacheMigrations(),
  build: async (ctx) => {
    exchange = createExchangeWiring({
      db: ctx.db,
      logger: ctx.logger,
      keys,
      portals: { pp: config.PP_API_URL, cp: config.CP_API_URL },
      portalJwks: { pp: config.PP_JWKS_URL, cp: config.CP_JWKS_URL },
      paperUrl: config.PAPER_EXCHANGE_URL,
      recordUsage: createUsageRecorder(ctx.db, randomUUID, () => new Date()),
      reconcileHorizonS: config.PLANT_RECONCILE_HORIZON_S,
      executionLeaseS: config.PLANT_EXECUTION_LEASE_S,
      attemptLeaseS: config.PLANT_ATTEMPT_LEASE_S,
    });
    return buildApp({
      logger: ctx.logger,
      db: ctx.db,
      migrations: ctx.migrations,
      marketData:
        config.PLANT_MARKET_DATA === 'static'
          ? createStaticMarketData(fixedPrices(parseDevMarkPrices(config.PLANT_DEV_MARK_PRICES)))
          : createDeltaMarketData({
              preset: config.PLANT_MARKET_DATA,
              baseUrl: config.PLANT_MARKET_DATA === 'paper' ? config.PAPER_EXCHANGE_URL : undefined,
            }),
      approvalVerifier: exchange.approvalVerifier,
      orderExecutor: exchange.orderExecutor,
      accountReader: exchange.accountReader,
      identityVerifier: createGatewayIdentityVerifier(config.GATEWAY_JWKS_URL),
      serviceKeys: keys,
      referenceAgentSpecs:
        config.PLANT_MAX_RUNS_PER_DAY === undefined
          ? undefined
          : [
              {
                ...DELTA_TRADING_AGENT,
                dimensions: {
                  ...DELTA_TRADING_AGENT.dimensions,
                  budget: { present: true, config: { max_runs_per_day: config.PLANT_MAX_RUNS_PER_DAY } },
                },
              },
            ],
      inrPerUsd: config.PLANT_INR_PER_USD,
      hookTimeoutMs: config.PLANT_HOOK_TIMEOUT_MS,
    });
  },
  // Settles executions a crash or a silent exchange left unknown: by look-up, never by re-sending.
  background: async () => exchange!.startReconciler(config.PLANT_RECONCILE_INTERVAL_MS),
});
