import { mkdirSync } from 'node:fs';
import { PGlite, types } from '@electric-sql/pglite';
import { scrubbed } from './errors.ts';
import type { Db, Queryable, QueryResult } from './types.ts';

const parsers = {
  [types.INT8]: (v: string) => v,
  [types.NUMERIC]: (v: string) => v,
};

function wrap(q: { query: PGlite['query'] }): Queryable {
  return {
    async query<T>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
      // PGlite's errors carry the statement and its parameters: scrubbed before anyone can log them.
      const r = await scrubbed(() => q.query<T>(sql, params as unknown[] | undefined));
      return { rows: r.rows, rowCount: r.affectedRows ?? 0 };
    },
  };
}

/** Embedded Postgres (WASM). `dataDir` undefined = in memory (tests). */
export async function openPglite(dataDir?: string): Promise<Db> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const pg = await PGlite.create(dataDir ?? 'memory://', { parsers });
  const base = wrap(pg);
  return {
    engine: 'pglite',
    query: base.query,
    async exec(sql) {
      await scrubbed(() => pg.exec(sql));
    },
    transaction(fn) {
      return scrubbed(() => pg.transaction((tx) => fn(wrap(tx))));
    },
    async close() {
      if (!pg.closed) await pg.close();
    },
  };
}
