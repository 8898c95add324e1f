import { randomUUID } from 'node:crypto';
import type { Queryable } from '@delta/server-kit';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit } from '../src/audit/audit-log.ts';
import { countAuditRecords } from '../src/db/audit-log-repository.ts';
import { hire, type PlantTestApp, run, runBody, startPlant } from './plant-test-app.ts';

let p: PlantTestApp;
beforeAll(async () => {
  p = await startPlant();
  await hire(p.app, 'cust-001', {}, 'paid');
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
          approval: fc.option(fc.constantFrom('apr-1', 'apr-2'), { nil: undefined }),
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
