import { createTestDatabase, type TestDatabase } from '@delta/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBatchInserter } from './batch-insert.ts';
import type { Queryable } from './types.ts';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase({ migrations: [] });
  await t.db.exec('CREATE TABLE lines (seq bigserial PRIMARY KEY, who text NOT NULL, body jsonb NOT NULL)');
});
afterAll(async () => {
  await t?.drop();
});

/** The real database, counting the statements sent to it (not a stand-in: every call goes through). */
function counting(db: Queryable) {
  const counter = {
    statements: 0,
    async query<T>(sql: string, params?: readonly unknown[]) {
      counter.statements++;
      return db.query<T>(sql, params);
    },
  };
  return counter;
}

describe('group-commit batch inserter', () => {
  it('stores every row once, in call order, sharing statements under load', async () => {
    const db = counting(t.db);
    const insert = createBatchInserter<{ who: string; n: number }>(db, {
      table: 'lines',
      columns: ['who', 'body'],
      values: (r) => [r.who, JSON.stringify({ n: r.n })],
      maxRows: 50,
    });
    await Promise.all(Array.from({ length: 300 }, (_, n) => insert({ who: 'load', n })));
    const rows = await t.db.query<{ body: { n: number } }>(
      "SELECT body FROM lines WHERE who = 'load' ORDER BY seq",
    );
    expect(rows.rows.map((r) => r.body.n)).toEqual(Array.from({ length: 300 }, (_, n) => n));
    expect(db.statements).toBeLessThanOrEqual(8); // 300 rows, ≤ 50 a statement
    // One at a time, each row is one statement and is stored when its promise resolves.
    const before = db.statements;
    for (let n = 0; n < 3; n++) {
      await insert({ who: 'single', n });
      const stored = await t.db.query("SELECT 1 FROM lines WHERE who = 'single'");
      expect(stored.rows).toHaveLength(n + 1);
    }
    expect(db.statements - before).toBe(3);
  });

  it('a row the database refuses fails only its own caller', async () => {
    const insert = createBatchInserter<{ who: string; body: string }>(t.db, {
      table: 'lines',
      columns: ['who', 'body'],
      values: (r) => [r.who, r.body],
    });
    const results = await Promise.allSettled([
      insert({ who: 'mixed', body: '{"ok":1}' }),
      insert({ who: 'mixed', body: 'not json' }),
      insert({ who: 'mixed', body: '{"ok":3}' }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const rows = await t.db.query<{ body: { ok: number } }>(
      "SELECT body FROM lines WHERE who = 'mixed' ORDER BY seq",
    );
    expect(rows.rows.map((r) => r.body.ok)).toEqual([1, 3]);
  });

  it('rejects a row whose values do not match the columns, without sending it', async () => {
    const db = counting(t.db);
    const insert = createBatchInserter<string>(db, {
      table: 'lines',
      columns: ['who', 'body'],
      values: (w) => [w],
    });
    await expect(insert('short')).rejects.toThrow(/expected 2 values/);
    expect(db.statements).toBe(0);
  });
});
