import type { Logger } from 'pino';
import type { App } from './app.ts';
import {
  composeMigrations,
  type Db,
  describeDatabase,
  loadMigrations,
  type Migration,
  migrate,
  openDatabase,
} from './db/index.ts';
import { createLogger } from './logger.ts';
import { defaultDataDir } from './paths.ts';

export interface ServiceContext<C> {
  config: C;
  logger: Logger;
  db: Db;
  migrations: Migration[];
}

export interface ServiceDefinition<C extends ServiceBaseConfig> {
  service: string;
  config: C;
  /** The service's own migrations folder. */
  migrationsDir: string;
  /** Migrations of shared packages this service uses (applied first), e.g. the vault's tables. */
  sharedMigrations?: Migration[];
  build: (ctx: ServiceContext<C>) => Promise<App>;
  /** Started after listen (background workers); stopped before the app closes. */
  background?: (ctx: ServiceContext<C> & { app: App }) => Promise<() => Promise<void>>;
}

export interface ServiceBaseConfig {
  HOST: string;
  PORT: number;
  LOG_LEVEL: string;
  DATABASE_URL?: string | undefined;
  DATA_DIR?: string | undefined;
}

/**
 * A service's main: open its database (PostgreSQL when DATABASE_URL is set, else embedded PGlite under
 * .data/<service>), apply migrations, build the app, listen, and shut down gracefully on SIGINT/SIGTERM:
 * stop accepting, drain in-flight requests, stop workers, close the database. A second signal forces exit.
 */
export async function runService<C extends ServiceBaseConfig>(def: ServiceDefinition<C>): Promise<void> {
  const logger = createLogger({ service: def.service, level: def.config.LOG_LEVEL });
  const location = {
    url: def.config.DATABASE_URL,
    dataDir: def.config.DATA_DIR ?? defaultDataDir(def.service),
  };
  let db: Db | undefined;
  try {
    db = await openDatabase(location);
    const migrations = composeMigrations(
      def.sharedMigrations ?? [],
      loadMigrations(def.migrationsDir, def.service),
    );
    const applied = await migrate(db, migrations);
    logger.info({ database: describeDatabase(location), applied }, 'database ready');
    const ctx: ServiceContext<C> = { config: def.config, logger, db, migrations };
    const app = await def.build(ctx);
    await app.listen({ host: def.config.HOST, port: def.config.PORT });
    const stopBackground = def.background ? await def.background({ ...ctx, app }) : async () => {};

    let stopping = false;
    const shutdown = async (signal: string) => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting now');
        process.exit(1);
      }
      stopping = true;
      logger.info({ signal }, 'shutting down');
      const force = setTimeout(() => {
        logger.error('shutdown took longer than 10 s: exiting');
        process.exit(1);
      }, 10_000);
      force.unref();
      try {
        await stopBackground();
        // close() waits for in-flight requests; keep-alive sockets that go idle afterwards are closed as they do.
        const reap = setInterval(() => app.server.closeIdleConnections(), 50);
        await app.close();
        clearInterval(reap);
        await db?.close();
        logger.info('stopped');
        process.exit(0);
      } catch (err) {
        logger.error({ err }, 'error during shutdown');
        process.exit(1);
      }
    };
    process.on('SIGINT', () => void shutdown('SIGINT'));
    process.on('SIGTERM', () => void shutdown('SIGTERM'));
    if (process.env.SUPERVISED === '1') {
      // Started by `npm start`: if the supervisor dies (even by SIGKILL) our stdin closes — stop with it.
      process.stdin.on('end', () => void shutdown('supervisor-gone'));
      process.stdin.on('error', () => void shutdown('supervisor-gone'));
      process.stdin.resume();
    }
  } catch (err) {
    logger.fatal({ err }, 'failed to start');
    await db?.close().catch(() => {});
    // Let pino flush before exiting.
    setTimeout(() => process.exit(1), 50);
  }
}
