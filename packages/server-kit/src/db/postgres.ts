import { createHash } from 'node:crypto';
import pg from 'pg';
import { scrubbed, scrubDatabaseError } from './errors.ts';
import type { Db, Queryable, QueryResult } from './types.ts';

const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    // int8 (20) and numeric (1700) stay strings, as on PGlite.
    if (oid === 20 || oid === 1700) return (v: string) => v;
    return pg.types.getTypeParser(oid, format ?? 'text');
  },
};

/**
 * Parameterised statements are prepared once per connection under a name derived from their text, so the server
 * parses and plans each distinct statement once instead of on every call (our statements are a fixed set).
 * Statements without parameters (BEGIN, COMMIT, DDL, multi-statement scripts) run unprepared.
 */
const statementNames = new Map<string, string>();
const MAX_NAMED_STATEMENTS = 2_000;
function statementName(sql: string): string | undefined {
  let name = statementNames.get(sql);
  if (name === undefined) {
    if (statementNames.size >= MAX_NAMED_STATEMENTS) return undefined;
    name = `s${createHash('sha256').update(sql).digest('hex').slice(0, 24)}`;
    statementNames.set(sql, name);
  }
  return name;
}

function wrap(client: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<T>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
      // Errors name row values in `detail` and some messages: scrubbed before anyone can log them.
      const r = await scrubbed(() =>
        client.query({
          text: sql,
          values: params as unknown[] | undefined,
          types: typeParsers,
          ...(params && params.length > 0 ? { name: statementName(sql) } : {}),
        }),
      );
      return { rows: r.rows as T[], rowCount: r.rowCount ?? 0 };
    },
  };
}

export async function openPostgres(url: string, options: { max?: number } = {}): Promise<Db> {
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10 });
  // A broken idle connection must not crash the process; the next query gets a fresh one.
  pool.on('error', () => {});
  const base = wrap(pool);
  let closed = false;
  return {
    engine: 'postgres',
    query: base.query,
    async exec(sql) {
      await scrubbed(() => pool.query(sql));
    },
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(wrap(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw scrubDatabaseError(err);
      } finally {
        client.release();
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
