import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultDataDir, loadConfigOrExit, runService } from '@delta/server-kit';
import { loadOrCreateServiceKeys } from '@delta/service-auth';
import { buildApp, SERVICE } from './app.ts';
import { startPurge } from './auth/purge.ts';
import { ZConfig } from './config.ts';
import { cpMigrations } from './migrations.ts';

const config = loadConfigOrExit(SERVICE, ZConfig);
const keys = await loadOrCreateServiceKeys(
  SERVICE,
  join(defaultDataDir('keys'), `${SERVICE}.json`),
  config.SERVICE_KEYS_JSON,
);
const migrationsDir = fileURLToPath(new URL('../migrations', import.meta.url));

await runService({
  service: SERVICE,
  config,
  migrationsDir,
  sharedMigrations: cpMigrations(migrationsDir).filter((m) => m.source !== SERVICE),
  build: (ctx) => {
    const web = fileURLToPath(new URL('../../cp-web/dist', import.meta.url));
    return buildApp({
      logger: ctx.logger,
      db: ctx.db,
      migrations: ctx.migrations,
      config,
      keys,
      webRoot: existsSync(join(web, 'index.html')) ? web : undefined,
    });
  },
  background: async (ctx) => startPurge(ctx.db, ctx.logger),
});
