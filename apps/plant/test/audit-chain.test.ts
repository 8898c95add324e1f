import { randomUUID } from 'node:crypto';
import { type Db, openDatabase, type Queryable } from '@delta/server-kit';
import { createTestDatabase, type TestDatabase, testApprovalId, testCustomerId } from '@delta/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AuditEntry,
  appendAudit,
  createAuditAppender,
  GENESIS_HASH,
  recordHash,
  verifyAuditChain,
} from '../src/audit/audit-log.ts';
import { type AuditRow, countAuditRecords } from '../src/db/audit-log-repository.ts';
import { hire, MIGRATIONS, type PlantTestApp, run, runBody, startPlant } from './plant-test-app.ts';

let p: PlantTestApp;
beforeAll(async () => {
  p = await startPlant();
  await hire(p.app, testCustomerId('cust-001'), {}, 'paid');
});
afterAll(() => p.close());

const verify = async () => (await p.app.inject('/api/v1/audit/verify')).json();
const entry = (n: number) => ({
  record_id: randomUUID(),
  kind: 'test',
  correlation_id: `corr-test-${n}`,
  details: { n, nested: { b: 2, a: [1, 'x', null] } },
  recorded_at: new Date(),
});

/** As a database superuser: switch the append-only triggers off for one statement, as an attacker with DBA rights could. */
async function tamper(sql: string, params: unknown[]) {
  await p.testDb.db.transaction(async (tx: Queryable) => {
    await tx.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');
    await tx.query(sql, params);
    await tx.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only');
  });
}

describe('audit log', () => {
  it('every decision produces exactly one audit record (random runs)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          units: fc.integer({ min: 1, max: 20 }),
          declare: fc.boolean(),
          approval: fc.option(fc.constantFrom(testApprovalId('apr-1'), testApprovalId('apr-2')), {
            nil: undefined,
          }),
          coin: fc.constantFrom('BTC', 'ETH'),
        }),
        async (r) => {
          const body = runBody({
            units: r.units,
            coin: r.coin,
            limit_price: r.coin === 'BTC' ? '65000' : '3400',
            ...(r.declare ? { intent_action: 'place_order' } : {}),
            ...(r.approval ? { approval_id: r.approval } : {}),
          });
          const res = await run(p.app, body);
          const cid = res.headers['x-correlation-id'] as string;
          const decisionId = res.json().decision_id as string;
          expect(await countAuditRecords(p.testDb.db, { decisionId })).toBe(1);
          // Drafts and refusals before the tool use make one decision; an execution attempt with an approval id two.
          const expected = r.declare && r.approval ? 2 : 1;
          expect(await countAuditRecords(p.testDb.db, { correlationId: cid })).toBe(expected);
        },
      ),
      { numRuns: 25 },
    );
    expect((await verify()).ok).toBe(true);
  });

  it('the database refuses UPDATE, DELETE and TRUNCATE', async () => {
    await appendAudit(p.testDb.db, entry(1));
    await expect(p.testDb.db.query("UPDATE audit_log SET reason = 'x'")).rejects.toThrow(/append-only/);
    await expect(p.testDb.db.query('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
    await expect(p.testDb.db.query('TRUNCATE audit_log')).rejects.toThrow(/append-only/);
    await expect(p.testDb.db.query('DELETE FROM usage_events')).rejects.toThrow(/append-only/);
  });

  it('concurrent appends keep one valid chain', async () => {
    await Promise.all(Array.from({ length: 30 }, (_, i) => appendAudit(p.testDb.db, entry(100 + i))));
    const result = await verify();
    expect(result.ok).toBe(true);
    const count = await countAuditRecords(p.testDb.db, {});
    expect(result.records_checked).toBe(count);
    expect(result.head_seq).toBe(String(count));
  });

  it('a tampered row is named by /audit/verify', async () => {
    const rows = await p.testDb.db.query<{ seq: string; record_id: string }>(
      "SELECT seq, record_id FROM audit_log WHERE kind = 'policy_decision' ORDER BY seq LIMIT 1 OFFSET 2",
    );
    const target = rows.rows[0]!;
    await tamper("UPDATE audit_log SET outcome = 'allow', reason = 'rewritten_by_dba' WHERE seq = $1", [
      target.seq,
    ]);
    const result = await verify();
    expect(result.ok).toBe(false);
    expect(result.first_broken).toMatchObject({
      seq: target.seq,
      record_id: target.record_id,
      problem: 'hash_mismatch',
    });
  });

  it('a deleted row is reported too', async () => {
    const fresh = await startPlant();
    try {
      for (let i = 0; i < 4; i++) await appendAudit(fresh.testDb.db, entry(i));
      await fresh.testDb.db.transaction(async (tx) => {
        await tx.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');
        await tx.query('DELETE FROM audit_log WHERE seq = 2');
        await tx.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only');
      });
      const result = (await fresh.app.inject('/api/v1/audit/verify')).json();
      expect(result).toMatchObject({
        ok: false,
        records_checked: 1,
        first_broken: { seq: '3', problem: 'sequence_gap' },
      });
    } finally {
      await fresh.close();
    }
  });
});

/** A fresh, migrated database of its own (no app), so a test's chain starts empty and stays valid. */
async function withFreshDb(fn: (testDb: TestDatabase) => Promise<void>) {
  const testDb = await createTestDatabase({ migrations: MIGRATIONS });
  try {
    await fn(testDb);
  } finally {
    await testDb.drop();
  }
}

/** The real database, counting the statements sent through it (a pass-through, not a stand-in). */
function counting(db: Db) {
  const sent: string[] = [];
  const counted: Db = {
    engine: db.engine,
    query: (sql, params) => {
      sent.push(sql);
      return db.query(sql, params);
    },
    exec: (sql) => db.exec(sql),
    transaction: (fn) =>
      db.transaction((tx) => {
        sent.push('BEGIN');
        return fn({
          query: (sql, params) => {
            sent.push(sql);
            return tx.query(sql, params);
          },
        });
      }),
    close: () => db.close(),
  };
  return { db: counted, sent };
}

const storedRecords = async (db: Queryable) =>
  (
    await db.query<{ record_id: string; seq: string; hash: string }>(
      'SELECT record_id, seq, hash FROM audit_log ORDER BY seq',
    )
  ).rows;

const COLUMNS = `seq, record_id, kind, correlation_id, decision_id, customer_id, agent_id, hired_agent_id, stage,
  action, outcome, reason, details, recorded_at, prev_hash, hash`;

/** A raw INSERT of rows, straight to the table (as a buggy or hostile writer would), all in one statement. */
async function rawInsert(db: Queryable, rows: AuditRow[]) {
  const params: unknown[] = [];
  const tuples = rows.map((r) => {
    const values = [
      r.seq,
      r.record_id,
      r.kind,
      r.correlation_id,
      r.decision_id,
      r.customer_id,
      r.agent_id,
      r.hired_agent_id,
      r.stage,
      r.action,
      r.outcome,
      r.reason,
      JSON.stringify(r.details),
      r.recorded_at,
      r.prev_hash,
      r.hash,
    ];
    const first = params.length + 1;
    params.push(...values);
    return `(${values.map((_, i) => `$${first + i}`).join(', ')})`;
  });
  await db.query(`INSERT INTO audit_log (${COLUMNS}) VALUES ${tuples.join(', ')}`, params);
}

/** A well-formed record at `seq` linked to `prevHash`, hashed correctly: only its link can be wrong. */
function rowAt(seq: bigint, prevHash: string, n = 0): AuditRow {
  const base: Omit<AuditRow, 'hash'> = {
    seq: seq.toString(),
    record_id: randomUUID(),
    kind: 'test',
    correlation_id: `corr-raw-${n}`,
    decision_id: null,
    customer_id: null,
    agent_id: null,
    hired_agent_id: null,
    stage: null,
    action: null,
    outcome: null,
    reason: null,
    details: { n },
    recorded_at: new Date(),
    prev_hash: prevHash,
  };
  return { ...base, hash: recordHash(base) };
}

describe('group-commit appender', () => {
  it('two independent appenders (two Plant instances) appending concurrently keep one valid chain', async () => {
    await withFreshDb(async (testDb) => {
      // On PostgreSQL the second instance has its own connection pool, as a second process would.
      const otherDb = testDb.url ? await openDatabase({ url: testDb.url, poolSize: 5 }) : testDb.db;
      try {
        const instances = [createAuditAppender(testDb.db), createAuditAppender(otherDb)];
        const PER_INSTANCE = 150;
        const LANES = 10;
        const written = new Map<string, { instance: number; row: AuditRow }>();
        // Each instance: 10 concurrent callers appending 15 records each, in rounds that both instances take part
        // in (so they interleave however the machine schedules them): both flush many batches, interleaved, and
        // each keeps finding its cached head stale.
        for (let k = 0; k < PER_INSTANCE / LANES; k++) {
          await Promise.all(
            instances.flatMap((appender, instance) =>
              Array.from({ length: LANES }, async (_, lane) => {
                const e: AuditEntry = { ...entry(k), correlation_id: `corr-i${instance}-l${lane}-${k}` };
                const row = await appender.append(e);
                expect(row.record_id).toBe(e.record_id);
                written.set(e.record_id, { instance, row });
              }),
            ),
          );
        }
        const total = 2 * PER_INSTANCE;
        expect(written.size).toBe(total);
        const stored = await storedRecords(testDb.db);
        expect(stored).toHaveLength(total);
        // Every record exactly once, stored exactly as its caller was told.
        for (const s of stored)
          expect(written.get(s.record_id)?.row).toMatchObject({ seq: s.seq, hash: s.hash });
        expect(new Set(stored.map((s) => s.record_id)).size).toBe(total);
        // Both instances really did interleave (the chain is not one instance's records, then the other's).
        const owners = stored.map((s) => written.get(s.record_id)?.instance);
        const switches = owners.filter((o, i) => i > 0 && o !== owners[i - 1]).length;
        expect(switches).toBeGreaterThan(1);
        const result = await verifyAuditChain(testDb.db);
        expect(result).toMatchObject({ ok: true, records_checked: total, head_seq: String(total) });
      } finally {
        if (otherDb !== testDb.db) await otherDb.close();
      }
    });
  });

  it('batches under load, and costs one round trip per record at concurrency 1', async () => {
    await withFreshDb(async (testDb) => {
      const { db, sent } = counting(testDb.db);
      const appender = createAuditAppender(db);
      const inserts = () => sent.filter((q) => q.startsWith('INSERT INTO audit_log')).length;
      // 1 000 appends at once: the head is read once, and at most 500 rows go per statement.
      await Promise.all(Array.from({ length: 1000 }, (_, i) => appender.append(entry(i))));
      expect(sent.filter((q) => q.startsWith('SELECT seq, hash')).length).toBe(1);
      expect(inserts()).toBe(2);
      expect(sent).not.toContain('BEGIN');
      // One at a time: each record is exactly one statement, the INSERT.
      sent.length = 0;
      for (let i = 0; i < 5; i++) await appender.append(entry(i));
      expect(sent.length).toBe(5);
      expect(inserts()).toBe(5);
      expect(await verifyAuditChain(testDb.db)).toMatchObject({ ok: true, records_checked: 1005 });
    });
  });

  it('a stale cached head is detected by the database and the batch retried on the locked path', async () => {
    await withFreshDb(async (testDb) => {
      const { db, sent } = counting(testDb.db);
      const slow = createAuditAppender(db);
      await slow.append(entry(1)); // caches head 1
      await appendAudit(testDb.db, entry(2)); // another appender moves the head to 2
      sent.length = 0;
      const rows = await Promise.all([slow.append(entry(3)), slow.append(entry(4))]);
      expect(rows.map((r) => r.seq)).toEqual(['3', '4']);
      expect(sent).toContain('BEGIN'); // the fast INSERT was refused (seq 2 taken), the retry took the lock
      expect(await verifyAuditChain(testDb.db)).toMatchObject({ ok: true, records_checked: 4 });
    });
  });

  it('the database refuses a mislinked record, a gap and a wrong genesis link; nothing is stored', async () => {
    await withFreshDb(async (testDb) => {
      const db = testDb.db;
      await expect(rawInsert(db, [rowAt(1n, 'f'.repeat(64))])).rejects.toThrow(/chain link broken.*genesis/);
      await expect(rawInsert(db, [rowAt(2n, GENESIS_HASH)])).rejects.toThrow(/no predecessor 1/);
      for (let i = 0; i < 3; i++) await appendAudit(db, entry(i));
      const head = (await storedRecords(db))[2]!;
      expect(head.seq).toBe('3');
      // A wrong prev_hash (correctly hashed otherwise).
      await expect(rawInsert(db, [rowAt(4n, 'f'.repeat(64))])).rejects.toThrow(
        /prev_hash of record 4 is not the hash of record 3/,
      );
      // A gap: seq 5 linked to the true head, with 4 missing.
      await expect(rawInsert(db, [rowAt(5n, head.hash)])).rejects.toThrow(/record 5 has no predecessor 4/);
      // A fork: a second record 3 (the primary key), and a statement whose second row is mislinked: the good
      // first row is not stored either.
      await expect(rawInsert(db, [rowAt(3n, (await storedRecords(db))[1]!.hash)])).rejects.toThrow(
        /duplicate key/,
      );
      const good = rowAt(4n, head.hash);
      await expect(rawInsert(db, [good, rowAt(5n, GENESIS_HASH)])).rejects.toThrow(/prev_hash of record 5/);
      expect(await storedRecords(db)).toHaveLength(3);
      // A correctly linked raw row is accepted, and the appender (whose cache is now stale) still links after it.
      await rawInsert(db, [good]);
      expect((await appendAudit(db, entry(9))).seq).toBe('5');
      expect(await verifyAuditChain(db)).toMatchObject({ ok: true, records_checked: 5 });
    });
  });

  it('a record the database refuses fails its own caller only, and is not stored', async () => {
    await withFreshDb(async (testDb) => {
      const appender = createAuditAppender(testDb.db);
      await appender.append(entry(0));
      // jsonb cannot hold a NUL character: the batch INSERT fails, then its records are written one by one.
      const bad = { ...entry(1), details: { message: 'from a verifier: a\u0000b' } };
      const results = await Promise.allSettled([
        appender.append(entry(2)),
        appender.append(bad),
        appender.append(entry(3)),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/Unicode|\\u0000/);
      const stored = await storedRecords(testDb.db);
      expect(stored.map((r) => r.record_id)).not.toContain(bad.record_id);
      expect(stored).toHaveLength(3);
      expect(await verifyAuditChain(testDb.db)).toMatchObject({ ok: true, records_checked: 3 });
      // A duplicate record_id (the same record appended twice) is refused, not stored twice.
      const again = entry(4);
      await appender.append(again);
      await expect(appender.append(again)).rejects.toThrow(/duplicate key/);
      expect(await verifyAuditChain(testDb.db)).toMatchObject({ ok: true, records_checked: 4 });
    });
  });

  it('when the database is gone, every caller of the failed batch gets the error', async () => {
    const testDb = await createTestDatabase({ migrations: MIGRATIONS });
    const appender = createAuditAppender(testDb.db);
    await appender.append(entry(0)); // the head is cached: the next batch goes straight to the INSERT
    await testDb.drop();
    const results = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => appender.append(entry(i))));
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
  });

  it('a value that cannot even be encoded rejects at once', async () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    await expect(appendAudit(p.testDb.db, { ...entry(0), details: circular })).rejects.toThrow(/circular/i);
  });
});
