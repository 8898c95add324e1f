import { type App, createApp, type Db, type Logger, type Migration } from '@delta/server-kit';

export const SERVICE = 'plant-gateway';

export interface Deps {
  logger: Logger;
  db: Db;
  migrations: Migration[];
}

/** Plant gateway — the only door into Plant: service auth, rate limits, credential firewall. */
export async function buildApp(deps: Deps): Promise<App> {
  const app = await createApp({
    service: SERVICE,
    description: 'the only door into Plant: service auth, rate limits, credential firewall.',
    logger: deps.logger,
    db: deps.db,
    migrations: deps.migrations,
  });
  return app;
}
