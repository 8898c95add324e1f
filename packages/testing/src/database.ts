import { randomBytes } from 'node:crypto';
import { type Db, type Migration, migrate, openDatabase } from '@delta/server-kit';
import pg from 'pg';

export interface TestDatabase {
  engine: 'pglite' | 'postgres';
  /** For PostgreSQL: the URL of this test's own database (give it to a child process as DATABASE_URL). */
  url?: string;
  /** Open a connection to it (each call a new pool / for PGlite the same in-memory instance). */
  db: Db;
  /** Close and drop it. */
  drop(): Promise<void>;
}

/**
 * A fresh, empty database for one test file: PGlite in memory by default; with TEST_DATABASE_URL set, a new
 * PostgreSQL database created next to the one that URL names, dropped afterwards.
 */
export async function createTestDatabase(options: { migrations?: Migration[] } = {}): Promise<TestDatabase> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    const db = await openDatabase({});
    if (options.migrations) await migrate(db, options.migrations);
    return { engine: 'pglite', db, drop: () => db.close() };
  }
  const name = `t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = await openDatabase({ url: url.toString(), poolSize: 20 });
  if (options.migrations) await migrate(db, options.migrations);
  return {
    engine: 'postgres',
    url: url.toString(),
    db,
    async drop() {
      await db.close();
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
