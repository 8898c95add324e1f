import { fileURLToPath } from 'node:url';
import { loadConfigOrExit, runService } from '@delta/server-kit';
import { buildApp, SERVICE } from './app.ts';
import { parseDevMarkPrices, ZConfig } from './config.ts';
import { createStaticMarketData, fixedPrices } from './integrations/market-data.ts';

const config = loadConfigOrExit(SERVICE, ZConfig);

await runService({
  service: SERVICE,
  config,
  migrationsDir: fileURLToPath(new URL('../migrations', import.meta.url)),
  build: (ctx) =>
    buildApp({
      logger: ctx.logger,
      db: ctx.db,
      migrations: ctx.migrations,
      marketData: createStaticMarketData(fixedPrices(parseDevMarkPrices(config.PLANT_DEV_MARK_PRICES))),
      inrPerUsd: config.PLANT_INR_PER_USD,
      hookTimeoutMs: config.PLANT_HOOK_TIMEOUT_MS,
    }),
});
