import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, type TestDatabase } from '@delta/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations, migrate, pendingMigrations, splitStatements } from '../src/index.ts';

const fixtures = fileURLToPath(new URL('./fixtures/migrations-a', import.meta.url));

// The same repository-style test runs on PGlite (default) and on PostgreSQL (TEST_DATABASE_URL): DB parity.
describe(`database layer on ${process.env.TEST_DATABASE_URL ? 'PostgreSQL' : 'PGlite'}`, () => {
  let t: TestDatabase;
  const migrations = loadMigrations(fixtures, 'fixture');

  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.drop();
  });

  it('applies migrations once and records them; a second run applies nothing', async () => {
    expect(await pendingMigrations(t.db, migrations)).toEqual([
      'fixture/0001_accounts',
      'fixture/0002_transfers',
    ]);
    expect(await migrate(t.db, migrations)).toEqual(['fixture/0001_accounts', 'fixture/0002_transfers']);
    expect(await migrate(t.db, migrations)).toEqual([]);
    expect(await pendingMigrations(t.db, migrations)).toEqual([]);
    const rows = await t.db.query<{ source: string; version: number; name: string }>(
      'SELECT source, version, name FROM schema_migrations ORDER BY version',
    );
    expect(rows.rows).toEqual([
      { source: 'fixture', version: 1, name: 'accounts' },
      { source: 'fixture', version: 2, name: 'transfers' },
    ]);
  });

  it('refuses to start when an applied migration was edited', async () => {
    const edited = migrations.map((m) => (m.version === 2 ? { ...m, checksum: 'different' } : m));
    await expect(migrate(t.db, edited)).rejects.toThrow(
      /fixture\/0002_transfers was changed after it was applied/,
    );
  });

  it('returns the same value types on both engines', async () => {
    const r = await t.db.query<{
      id: string;
      balance: string;
      big: string;
      meta: unknown;
      note: string;
      created_at: Date;
    }>(`INSERT INTO accounts (owner, balance, meta) VALUES ($1, $2, $3) RETURNING *`, [
      'alice',
      '12.34500000',
      JSON.stringify({ tier: 'gold', n: 1 }),
    ]);
    const row = r.rows[0]!;
    expect(r.rowCount).toBe(1);
    expect(typeof row.id).toBe('string'); // bigserial → int8 → string, never a lossy number
    expect(row.big).toBe('9007199254740993');
    expect(row.balance).toBe('12.34500000');
    expect(row.meta).toEqual({ tier: 'gold', n: 1 });
    expect(row.note).toBe('a; b');
    expect(row.created_at).toBeInstanceOf(Date);
  });

  it('commits a transaction that resolves and rolls back one that throws', async () => {
    await t.db.transaction(async (tx) => {
      await tx.query(`INSERT INTO accounts (owner) VALUES ('bob')`);
    });
    await expect(
      t.db.transaction(async (tx) => {
        await tx.query(`INSERT INTO accounts (owner) VALUES ('carol')`);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    const owners = await t.db.query<{ owner: string }>('SELECT owner FROM accounts ORDER BY id');
    expect(owners.rows.map((o) => o.owner)).toEqual(['alice', 'bob']);
  });

  it('runs plpgsql triggers from migrations', async () => {
    await expect(t.db.query(`UPDATE accounts SET balance = -1 WHERE owner = 'bob'`)).rejects.toThrow(
      /negative balance; refused/,
    );
  });
});

describe('migration files', () => {
  it('rejects a badly named file and a repeated version', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mig-'));
    writeFileSync(join(dir, 'init.sql'), 'SELECT 1;');
    expect(() => loadMigrations(dir, 'x')).toThrow(/must be named NNNN_snake_name.sql/);
    const dir2 = mkdtempSync(join(tmpdir(), 'mig-'));
    copyFileSync(join(fixtures, '0001_accounts.sql'), join(dir2, '0001_a.sql'));
    copyFileSync(join(fixtures, '0002_transfers.sql'), join(dir2, '0001_b.sql'));
    expect(() => loadMigrations(dir2, 'x')).toThrow(/version 0001 appears twice/);
  });

  it('splits statements without breaking strings, comments or dollar-quoted bodies', () => {
    const parts = splitStatements(
      `-- c; c\nCREATE TABLE a (x text DEFAULT 'p;q');\n/* ; */ CREATE FUNCTION f() RETURNS int AS $fn$ SELECT 1; $fn$ LANGUAGE sql;\nSELECT 'it''s; fine'`,
    );
    expect(parts).toEqual([
      `CREATE TABLE a (x text DEFAULT 'p;q')`,
      `CREATE FUNCTION f() RETURNS int AS $fn$ SELECT 1; $fn$ LANGUAGE sql`,
      `SELECT 'it''s; fine'`,
    ]);
  });
});
