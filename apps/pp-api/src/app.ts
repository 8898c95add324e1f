import { type App, createApp, type Db, type Logger, type Migration } from '@delta/server-kit';

export const SERVICE = 'pp-api';

export interface Deps {
  logger: Logger;
  db: Db;
  migrations: Migration[];
}

/** PP API — the ops portal backend: ops users, customers, credential vault, ops-assisted approvals. */
export async function buildApp(deps: Deps): Promise<App> {
  const app = await createApp({
    service: SERVICE,
    description: 'the ops portal backend: ops users, customers, credential vault, ops-assisted approvals.',
    logger: deps.logger,
    db: deps.db,
    migrations: deps.migrations,
  });
  return app;
}
