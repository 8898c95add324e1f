import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Queryable } from '@delta/server-kit';
import { createTestDatabase } from '@delta/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ppAudit } from '../src/pp-audit.ts';

const appendAudit = ppAudit.append;
const verifyPpAudit = ppAudit.verify;
const PP_AUDIT_CHAIN = ppAudit.chain;

import { ppMigrations } from '../src/migrations.ts';
import { login, PASSWORD, type PpTestApp, startPp } from './pp-test-app.ts';

const MIGRATIONS = ppMigrations(fileURLToPath(new URL('../migrations', import.meta.url)));
let pp: PpTestApp;
let admin: string;
beforeAll(async () => {
  pp = await startPp();
  admin = await login(pp.app, 'admin');
});
afterAll(() => pp.close());

const entry = (n: number) => ({
  correlation_id: randomUUID(),
  actor: 'ops:test(admin)',
  action: 'test.append',
  outcome: 'allowed' as const,
  details: { n, nested: { b: 2, a: [1, 'x', null] } },
});

/** As a database superuser: switch the append-only trigger off for one statement, as an attacker with DBA rights could. */
async function tamper(sql: string, params: unknown[] = []) {
  await pp.t.db.transaction(async (tx: Queryable) => {
    await tx.query('ALTER TABLE pp_audit DISABLE TRIGGER USER');
    await tx.query(sql, params);
    await tx.query('ALTER TABLE pp_audit ENABLE TRIGGER USER');
  });
}

const verify = async () =>
  (await pp.app.inject({ url: '/api/audit/verify', headers: { cookie: admin } })).json();

describe("PP's audit log is a hash chain (the shared @delta/audit-chain)", () => {
  it('chains every record, alone, in group commit and inside a transaction, and verifies', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => appendAudit(pp.t.db, entry(i))));
    await pp.t.db.transaction((tx) => appendAudit(tx, [entry(100), entry(101)]));
    await appendAudit(pp.t.db, entry(200));
    const result = await verifyPpAudit(pp.t.db);
    const n = await pp.t.db.query<{ n: string }>('SELECT count(*) AS n FROM pp_audit');
    expect(result).toMatchObject({ ok: true, records_checked: Number(n.rows[0]!.n), first_broken: null });
    const body = await verify();
    expect(body.chains.pp).toMatchObject({ ok: true, records_checked: Number(n.rows[0]!.n) });
  });

  it('the database refuses UPDATE, DELETE, TRUNCATE, an unchained row and a mislinked one', async () => {
    await expect(pp.t.db.query("UPDATE pp_audit SET reason = 'x'")).rejects.toThrow(/append-only/);
    await expect(pp.t.db.query('DELETE FROM pp_audit')).rejects.toThrow(/append-only/);
    await expect(pp.t.db.query('TRUNCATE pp_audit')).rejects.toThrow(/append-only/);
    await expect(
      pp.t.db.query(
        "INSERT INTO pp_audit (correlation_id, actor, action, outcome) VALUES ('c', 'a', 'x', 'allowed')",
      ),
    ).rejects.toThrow(/must be chained/);
    const head = (await PP_AUDIT_CHAIN.head(pp.t.db))!;
    const base = {
      ...PP_AUDIT_CHAIN.prepare({
        record_id: randomUUID(),
        correlation_id: randomUUID(),
        actor: 'a',
        action: 'x',
        target: null,
        customer_id: null,
        outcome: 'allowed',
        reason: null,
        details: {},
        created_at: new Date(),
      }),
      seq: String(BigInt(head.seq) + 1n),
      prev_hash: 'f'.repeat(64),
    };
    await expect(
      PP_AUDIT_CHAIN.insertRows(pp.t.db, [{ ...base, hash: PP_AUDIT_CHAIN.recordHash(base) }]),
    ).rejects.toThrow(/prev_hash of record \d+ is not the hash of record/);
    expect((await verify()).chains.pp.ok).toBe(true);
  });

  it('a tampered row is named by /api/audit/verify', async () => {
    const login = await pp.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'viewer', password: 'wrong-wrong-wrong' },
    });
    const cid = login.headers['x-correlation-id'] as string;
    const target = (
      await pp.t.db.query<{ seq: string; record_id: string }>(
        'SELECT seq, record_id FROM pp_audit WHERE correlation_id = $1',
        [cid],
      )
    ).rows[0]!;
    expect(target).toBeDefined();
    // Someone with database rights turns the failed login into a successful one.
    await tamper("UPDATE pp_audit SET outcome = 'allowed', reason = NULL WHERE seq = $1", [target.seq]);
    const result = await verify();
    expect(result.ok).toBe(false);
    expect(result.chains.pp).toMatchObject({
      ok: false,
      first_broken: { seq: target.seq, record_id: target.record_id, problem: 'hash_mismatch' },
    });
  });

  it('a deleted row and a row slipped in around the chain are reported too', async () => {
    for (const attack of ['delete', 'slip_in'] as const) {
      const t = await createTestDatabase({ migrations: MIGRATIONS });
      try {
        for (let i = 0; i < 4; i++) await appendAudit(t.db, entry(i));
        expect(await verifyPpAudit(t.db)).toMatchObject({ ok: true, records_checked: 4 });
        await t.db.transaction(async (tx) => {
          await tx.query('ALTER TABLE pp_audit DISABLE TRIGGER USER');
          await tx.query(
            attack === 'delete'
              ? 'DELETE FROM pp_audit WHERE seq = 2'
              : "INSERT INTO pp_audit (correlation_id, actor, action, outcome) VALUES ('forged', 'ops:x(admin)', 'login', 'allowed')",
          );
          await tx.query('ALTER TABLE pp_audit ENABLE TRIGGER USER');
        });
        expect(await verifyPpAudit(t.db)).toMatchObject(
          attack === 'delete'
            ? { ok: false, records_checked: 1, first_broken: { seq: '3', problem: 'sequence_gap' } }
            : { ok: false, records_checked: 4, first_broken: { problem: 'sequence_gap' } },
        );
      } finally {
        await t.drop();
      }
    }
  });

  it('a viewer may read the chain check; no session may not (and that refusal is on record)', async () => {
    const viewer = await login(pp.app, 'viewer', PASSWORD);
    expect((await pp.app.inject({ url: '/api/audit/verify', headers: { cookie: viewer } })).statusCode).toBe(
      200,
    );
    const anon = await pp.app.inject({ url: '/api/audit/verify' });
    expect(anon.statusCode).toBe(401);
    const rows = await pp.t.db.query<{ outcome: string; reason: string; seq: string | null }>(
      'SELECT outcome, reason, seq FROM pp_audit WHERE correlation_id = $1',
      [anon.headers['x-correlation-id']],
    );
    expect(rows.rows).toEqual([expect.objectContaining({ outcome: 'denied', reason: 'login_required' })]);
    expect(rows.rows[0]!.seq).not.toBeNull();
  });
});
