import { type App, createApp, type Db, type Logger, type Migration } from '@delta/server-kit';

export const SERVICE = 'cp-api';

export interface Deps {
  logger: Logger;
  db: Db;
  migrations: Migration[];
}

/** CP API — the customer portal backend: customer accounts, self-serve exchange setup, approvals. */
export async function buildApp(deps: Deps): Promise<App> {
  const app = await createApp({
    service: SERVICE,
    description: 'the customer portal backend: customer accounts, self-serve exchange setup, approvals.',
    logger: deps.logger,
    db: deps.db,
    migrations: deps.migrations,
  });
  return app;
}
