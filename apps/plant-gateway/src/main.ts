import { loadConfigOrExit, runService } from '@delta/server-kit';
import { loadOrCreateServiceKeys, replayCacheMigrations } from '@delta/service-auth';
import { buildApp, SERVICE } from './app.ts';
import { ZConfig } from './config.ts';
import { GATEWAY_MIGRATIONS_DIR } from './migrations.ts';

const config = loadConfigOrExit(SERVICE, ZConfig);
const keys = await loadOrCreateServiceKeys(SERVICE, config.SERVICE_KEYS_FILE, config.SERVICE_KEYS_JSON);

await runService({
  service: SERVICE,
  config,
  migrationsDir: GATEWAY_MIGRATIONS_DIR,
  sharedMigrations: replayCacheMigrations(),
  build: (ctx) =>
    buildApp({
      logger: ctx.logger,
      db: ctx.db,
      migrations: ctx.migrations,
      keys,
      issuers: { pp: { jwksUrl: config.PP_JWKS_URL }, cp: { jwksUrl: config.CP_JWKS_URL } },
      plantUrl: config.PLANT_URL,
      upstreamTimeoutMs: config.GATEWAY_UPSTREAM_TIMEOUT_MS,
      rateLimit: { perSecond: config.GATEWAY_RATE_LIMIT_PER_S, burst: config.GATEWAY_RATE_LIMIT_BURST },
    }),
});
