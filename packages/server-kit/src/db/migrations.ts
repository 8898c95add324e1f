import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from './types.ts';

export interface Migration {
  /** Which module owns it: a service, or a shared package that brings its own tables (e.g. the vault). */
  source: string;
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

const FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;
// Any constant works; it only has to be the same for every instance of every service.
const MIGRATION_LOCK_KEY = 72_163_541;

/**
 * Reads `NNNN_name.sql` files, in version order. A misnamed .sql file or a repeated version is an error.
 * `source` names the owning module; each source has its own version sequence.
 */
export function loadMigrations(dir: string, source: string): Migration[] {
  const seen = new Set<number>();
  const migrations = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .map((file) => {
      const m = FILE.exec(file);
      if (!m) throw new Error(`migration file "${file}" in ${dir} must be named NNNN_snake_name.sql`);
      const version = Number(m[1]);
      if (seen.has(version)) throw new Error(`migration version ${m[1]} appears twice in ${dir}`);
      seen.add(version);
      const sql = readFileSync(join(dir, file), 'utf8');
      return { source, version, name: m[2]!, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
  return migrations.sort((a, b) => a.version - b.version);
}

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  source text NOT NULL,
  version integer NOT NULL,
  name text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source, version)
)`;

/** Several modules' migrations in the order given (shared packages first, then the service's own). */
export function composeMigrations(...sets: Migration[][]): Migration[] {
  return sets.flat();
}

function label(m: Migration): string {
  return `${m.source}/${String(m.version).padStart(4, '0')}_${m.name}`;
}

/**
 * Applies pending migrations, each in its own transaction, under an advisory lock so that several instances
 * starting together apply each migration once. A migration edited after it was applied stops start-up.
 * Returns the labels of the migrations applied now.
 */
export async function migrate(db: Db, migrations: Migration[]): Promise<string[]> {
  await db.exec(CREATE_TABLE);
  const applied: string[] = [];
  for (const m of migrations) {
    const done = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      const existing = await tx.query<{ checksum: string }>(
        'SELECT checksum FROM schema_migrations WHERE source = $1 AND version = $2',
        [m.source, m.version],
      );
      const row = existing.rows[0];
      if (row) {
        if (row.checksum !== m.checksum) {
          throw new Error(
            `migration ${label(m)} was changed after it was applied; add a new migration instead`,
          );
        }
        return false;
      }
      for (const statement of splitStatements(m.sql)) await tx.query(statement);
      await tx.query(
        'INSERT INTO schema_migrations (source, version, name, checksum) VALUES ($1, $2, $3, $4)',
        [m.source, m.version, m.name, m.checksum],
      );
      return true;
    });
    if (done) applied.push(label(m));
  }
  return applied;
}

/** Names of migrations not yet applied (readiness). */
export async function pendingMigrations(db: Db, migrations: Migration[]): Promise<string[]> {
  const exists = await db.query<{ t: string | null }>("SELECT to_regclass('schema_migrations')::text AS t");
  if (!exists.rows[0]?.t) return migrations.map(label);
  const r = await db.query<{ source: string; version: number }>(
    'SELECT source, version FROM schema_migrations',
  );
  const done = new Set(r.rows.map((x) => `${x.source}/${Number(x.version)}`));
  return migrations.filter((m) => !done.has(`${m.source}/${m.version}`)).map(label);
}

/**
 * Splits a migration into statements so each runs through the extended protocol inside the transaction.
 * Understands quotes, comments and dollar-quoted bodies (triggers, functions).
 */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let cur = '';
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    const next = sql[i + 1];
    if (ch === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
      cur += '\n';
      continue;
    }
    if (ch === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? sql.length : end + 2;
      continue;
    }
    if (ch === "'" || ch === '"') {
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === ch) {
          if (sql[j + 1] === ch) j += 2;
          else break;
        } else j++;
      }
      cur += sql.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (ch === '$') {
      const tag = /^\$[A-Za-z_]*\$/.exec(sql.slice(i));
      if (tag) {
        const end = sql.indexOf(tag[0], i + tag[0].length);
        const stop = end === -1 ? sql.length : end + tag[0].length;
        cur += sql.slice(i, stop);
        i = stop;
        continue;
      }
    }
    if (ch === ';') {
      if (cur.trim()) out.push(cur.trim());
      cur = '';
      i++;
      continue;
    }
    cur += ch;
    i++;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}
