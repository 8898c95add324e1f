import type { Db } from '@delta/server-kit';
import { createTestDatabase, type TestDatabase, testCustomerId, testUuid } from '@delta/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApprovalId } from './approval-id.ts';
import { type ApprovalLedger, createApprovalLedger } from './approval-ledger.ts';
import { approvalLedgerMigrations } from './approval-migrations.ts';
import type { TMintApprovalInput } from './approval-schemas.ts';

const ENGINE = process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite';
const HASH = 'a'.repeat(64);
const CRED = 'cred_pp_aaaaaaaaaaaaaaaaaaaaaaaaaa';
const T0 = new Date('2031-03-04T05:06:07.000Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

let t: TestDatabase;
let db: Db;
let ledger: ApprovalLedger;

beforeAll(async () => {
  t = await createTestDatabase({ migrations: approvalLedgerMigrations() });
  db = t.db;
  ledger = createApprovalLedger({ db });
});
afterAll(async () => {
  await t?.drop();
});

function mintInput(overrides: Partial<TMintApprovalInput> = {}): TMintApprovalInput {
  return {
    issuer: 'pp',
    customer_id: testCustomerId('cus_1'),
    hired_agent_id: testUuid('hag_1'),
    agent_id: 'AGT-TRD-DELTA-001',
    credential_ref: CRED,
    intent_hash: HASH,
    intent_summary: {
      coin: 'BTC',
      side: 'long',
      action: 'enter',
      units: 2,
      order_type: 'limit',
      limit_price: '65000.5',
    },
    approver: { id: 'ops_alice', kind: 'ops' },
    evidence: { channel: 'phone', reference: 'call 2031-03-04 05:00 IST', note: 'customer said yes' },
    now: T0,
    ...overrides,
  };
}

const ctx = (overrides: Record<string, unknown> = {}) => ({
  customer_id: testCustomerId('cus_1'),
  credential_ref: CRED,
  correlation_id: testUuid('corr-1'),
  now: at(60),
  ...overrides,
});

describe(`approval ledger (${ENGINE})`, () => {
  it('mints a prefixed, unguessable id with a 10-minute default expiry', async () => {
    const a = await ledger.mint(mintInput());
    expect(a.approval_id).toMatch(/^apr_[a-z2-7]{26}$/);
    expect(a.approval_id.length).toBeLessThanOrEqual(32);
    expect(a.created_at.toISOString()).toBe(T0.toISOString());
    expect(a.expires_at.getTime() - T0.getTime()).toBe(600_000);
    expect(a).toMatchObject({
      state: 'pending',
      approver: { id: 'ops_alice', kind: 'ops' },
      consumed_at: null,
    });
    expect(await ledger.get(a.approval_id, { now: at(1) })).toEqual(a);
    expect(await ledger.get(a.approval_id, { customer_id: testCustomerId('cus_2') })).toBeNull();
    expect(new Set(Array.from({ length: 1000 }, newApprovalId)).size).toBe(1000);
  });

  it('honours a configured default and a per-approval TTL; without `now` uses the database clock', async () => {
    const short = createApprovalLedger({ db, defaultTtlSeconds: 120 });
    const a = await short.mint(mintInput());
    expect(a.expires_at.getTime() - a.created_at.getTime()).toBe(120_000);
    const b = await ledger.mint(mintInput({ ttl_seconds: 60, now: undefined }));
    expect(b.expires_at.getTime() - b.created_at.getTime()).toBe(60_000);
    expect(Math.abs(b.created_at.getTime() - Date.now())).toBeLessThan(60_000);
  });

  it('refuses ops approvals without consent evidence, and mixed-up issuer/approver', async () => {
    await expect(ledger.mint(mintInput({ evidence: undefined }))).rejects.toMatchObject({ status: 422 });
    await expect(ledger.mint(mintInput({ issuer: 'cp' }))).rejects.toMatchObject({ status: 422 });
    // A customer's approval needs a step-up; ops need consent, not a step-up.
    const customer = { issuer: 'cp' as const, approver: { id: 'cust_bob', kind: 'customer' as const } };
    await expect(ledger.mint(mintInput({ ...customer, evidence: undefined }))).rejects.toMatchObject({
      status: 422,
    });
    await expect(ledger.mint(mintInput({ ...customer }))).rejects.toMatchObject({ status: 422 });
    const stepUp = {
      method: 'webauthn' as const,
      credential_id: 'AbC-_1',
      nonce_id: '00000000-0000-4000-8000-000000000001',
      intent_hash: HASH,
      verified_at: '2026-12-08T01:00:00.000Z',
    };
    await expect(ledger.mint(mintInput({ evidence: stepUp }))).rejects.toMatchObject({ status: 422 });
    const cp = await ledger.mint(mintInput({ ...customer, evidence: stepUp }));
    expect(cp.evidence).toEqual(stepUp);
  });

  it('consumes once for the exact intent, customer and credential', async () => {
    const a = await ledger.mint(mintInput());
    const ok = await ledger.consume(a.approval_id, HASH, ctx());
    expect(ok.ok).toBe(true);
    if (!ok.ok) return;
    expect(ok.approval).toMatchObject({ state: 'consumed', consumed_by: testUuid('corr-1') });
    expect(ok.approval.consumed_at?.toISOString()).toBe(at(60).toISOString());
    expect(await ledger.consume(a.approval_id, HASH, ctx({ correlation_id: testUuid('corr-2') }))).toEqual({
      ok: false,
      reason: 'already_consumed',
      consumed_by: testUuid('corr-1'),
    });
  });

  it.each([
    ['not_found', (): string => newApprovalId(), HASH, {}],
    ['not_found', (): string => 'not-an-approval-id', HASH, {}],
    ['intent_mismatch', null, 'b'.repeat(64), {}],
    ['customer_mismatch', null, HASH, { customer_id: testCustomerId('cus_2') }],
    ['credential_mismatch', null, HASH, { credential_ref: 'cred_pp_bbbbbbbbbbbbbbbbbbbbbbbbbb' }],
    ['expired', null, HASH, { now: at(600) }],
  ] as const)('refuses with reason %s and leaves the approval usable', async (reason, idFn, hash, over) => {
    const a = await ledger.mint(mintInput());
    const id = idFn ? idFn() : a.approval_id;
    expect(await ledger.consume(id, hash, ctx(over))).toEqual({ ok: false, reason });
    const after = await ledger.get(a.approval_id, { now: at(60) });
    expect(after?.state).toBe('pending');
  });

  it('a revoked approval cannot be consumed; a consumed one cannot be revoked', async () => {
    const a = await ledger.mint(mintInput());
    const r = await ledger.revoke(a.approval_id, { revoked_by: 'ops_alice', now: at(10) });
    expect(r.ok && r.approval.state).toBe('revoked');
    expect(await ledger.consume(a.approval_id, HASH, ctx())).toEqual({ ok: false, reason: 'revoked' });
    expect(await ledger.revoke(a.approval_id, { revoked_by: 'x', now: at(11) })).toEqual({
      ok: false,
      reason: 'already_revoked',
    });

    const b = await ledger.mint(mintInput());
    expect((await ledger.consume(b.approval_id, HASH, ctx())).ok).toBe(true);
    expect(await ledger.revoke(b.approval_id, { revoked_by: 'ops_alice', now: at(61) })).toEqual({
      ok: false,
      reason: 'already_consumed',
    });
    expect((await ledger.get(b.approval_id))?.state).toBe('consumed');
  });

  it('revoke refuses expired, unknown and other-tenant approvals', async () => {
    const a = await ledger.mint(mintInput());
    expect(await ledger.revoke(a.approval_id, { revoked_by: 'o', now: at(601) })).toEqual({
      ok: false,
      reason: 'expired',
    });
    expect(await ledger.revoke(newApprovalId(), { revoked_by: 'o' })).toEqual({
      ok: false,
      reason: 'not_found',
    });
    expect(
      await ledger.revoke(a.approval_id, {
        revoked_by: 'o',
        customer_id: testCustomerId('cus_2'),
        now: at(1),
      }),
    ).toEqual({
      ok: false,
      reason: 'customer_mismatch',
    });
  });

  it('expiry is derived from the clock: pending before, expired at and after expires_at, never consumable', async () => {
    const a = await ledger.mint(mintInput({ ttl_seconds: 60 }));
    expect((await ledger.get(a.approval_id, { now: at(59) }))?.state).toBe('pending');
    expect((await ledger.get(a.approval_id, { now: at(60) }))?.state).toBe('expired');
    // Any instant at or after expires_at (up to ten years on) is refused, and nothing changes state.
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 10 * 365 * 86_400_000 }), async (ms) => {
        const r = await ledger.consume(a.approval_id, HASH, ctx({ now: new Date(at(60).getTime() + ms) }));
        expect(r).toEqual({ ok: false, reason: 'expired' });
      }),
      { numRuns: 40, examples: [[0], [1]] },
    );
    // Still usable one millisecond before expiry: the boundary is exact.
    expect((await ledger.consume(a.approval_id, HASH, ctx({ now: new Date(at(60).getTime() - 1) }))).ok).toBe(
      true,
    );
  });

  it('50 concurrent consumes of one approval: exactly one succeeds', async () => {
    const a = await ledger.mint(mintInput({ now: undefined }));
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        ledger.consume(a.approval_id, HASH, ctx({ correlation_id: testUuid(`c-${i}`), now: undefined })),
      ),
    );
    const winners = results.filter((r) => r.ok);
    expect(winners).toHaveLength(1);
    const losers = results.filter((r) => !r.ok);
    expect(new Set(losers.map((r) => !r.ok && r.reason))).toEqual(new Set(['already_consumed']));
    const winner = winners[0]!.ok ? winners[0]!.approval.consumed_by : '';
    expect((await ledger.get(a.approval_id))?.consumed_by).toBe(winner);
  });

  it('property: any intent hash other than the minted one never consumes', async () => {
    const a = await ledger.mint(mintInput({ intent_hash: 'c'.repeat(64) }));
    const hashChars = fc.constantFrom(...'abcdefABCDEF0123456789:_-'.split(''));
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: hashChars, minLength: 0, maxLength: 80 }), async (hash) => {
        fc.pre(hash !== a.intent_hash);
        const r = await ledger.consume(a.approval_id, hash, ctx());
        expect(r).toEqual({ ok: false, reason: 'intent_mismatch' });
      }),
      {
        numRuns: 60,
        examples: [[a.intent_hash.toUpperCase()], [`${a.intent_hash} `.trim().slice(0, -1)], ['']],
      },
    );
    expect((await ledger.consume(a.approval_id, a.intent_hash, ctx())).ok).toBe(true);
  });

  it('wasConsumedFor: only for that credential, only just consumed', async () => {
    const a = await ledger.mint(mintInput());
    expect(await ledger.wasConsumedFor(a.approval_id, CRED, { now: at(61) })).toEqual({
      ok: false,
      reason: 'not_consumed',
    });
    await ledger.consume(a.approval_id, HASH, ctx());
    expect((await ledger.wasConsumedFor(a.approval_id, CRED, { now: at(61) })).ok).toBe(true);
    expect(
      await ledger.wasConsumedFor(a.approval_id, 'cred_pp_bbbbbbbbbbbbbbbbbbbbbbbbbb', { now: at(61) }),
    ).toEqual({
      ok: false,
      reason: 'credential_mismatch',
    });
    expect(await ledger.wasConsumedFor(a.approval_id, CRED, { now: at(121) })).toEqual({
      ok: false,
      reason: 'consumed_too_long_ago',
    });
    expect((await ledger.wasConsumedFor(a.approval_id, CRED, { now: at(121), within_seconds: 90 })).ok).toBe(
      true,
    );
    expect(
      await ledger.wasConsumedFor(a.approval_id, CRED, { now: at(61), customer_id: testCustomerId('cus_2') }),
    ).toEqual({
      ok: false,
      reason: 'customer_mismatch',
    });
    expect(await ledger.wasConsumedFor(newApprovalId(), CRED)).toEqual({ ok: false, reason: 'not_found' });
  });
});
