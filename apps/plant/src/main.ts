import { fileURLToPath } from 'node:url';
import { loadConfigOrExit, runService } from '@delta/server-kit';
import { buildApp, SERVICE } from './app.ts';
import { ZConfig } from './config.ts';

const config = loadConfigOrExit(SERVICE, ZConfig);

await runService({
  service: SERVICE,
  config,
  migrationsDir: fileURLToPath(new URL('../migrations', import.meta.url)),
  build: (ctx) => buildApp({ logger: ctx.logger, db: ctx.db, migrations: ctx.migrations }),
});
