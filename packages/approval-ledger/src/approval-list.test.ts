import { createTestDatabase, type TestDatabase, testCustomerId, testUuid } from '@delta/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApprovalLedger, createApprovalLedger } from './approval-ledger.ts';
import { approvalLedgerMigrations } from './approval-migrations.ts';

const T0 = new Date('2032-01-01T00:00:00.000Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);
let t: TestDatabase;
let ledger: ApprovalLedger;

beforeAll(async () => {
  t = await createTestDatabase({ migrations: approvalLedgerMigrations() });
  ledger = createApprovalLedger({ db: t.db });
});
afterAll(async () => {
  await t?.drop();
});

function mint(customer: string, second: number) {
  return ledger.mint({
    issuer: 'cp',
    customer_id: customer,
    hired_agent_id: testUuid('hag'),
    agent_id: 'AGT-TRD-DELTA-001',
    credential_ref: 'cred_cp_aaaaaaaaaaaaaaaaaaaaaaaaaa',
    intent_hash: 'f'.repeat(64),
    intent_summary: {
      coin: 'ETH',
      side: 'short',
      action: 'exit',
      units: 1,
      order_type: 'market',
      limit_price: null,
    },
    approver: { id: 'cust', kind: 'customer' },
    evidence: {
      method: 'totp',
      credential_id: null,
      nonce_id: null,
      intent_hash: 'f'.repeat(64),
      verified_at: '2026-12-08T01:00:00.000Z',
    },
    ttl_seconds: 60,
    now: at(second),
  });
}

describe(`approval list (${process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite'})`, () => {
  it('pages newest first with a cursor, filtered by customer, without gaps or repeats', async () => {
    // Several share a created_at: the cursor must break ties by id.
    const minted = [];
    for (let i = 0; i < 7; i++) minted.push(await mint(testCustomerId('cus_page'), Math.floor(i / 2)));
    await mint(testCustomerId('cus_elsewhere'), 0);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await ledger.list({
        customer_id: testCustomerId('cus_page'),
        limit: 3,
        cursor,
        now: at(0),
      });
      seen.push(...page.items.map((a) => a.approval_id));
      cursor = page.next_cursor ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(7);
    expect(new Set(seen)).toEqual(new Set(minted.map((a) => a.approval_id)));
    const times = (await ledger.list({ customer_id: testCustomerId('cus_page'), now: at(0) })).items.map(
      (a) => a.created_at.getTime(),
    );
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('filters by derived state: expired is computed, not stored', async () => {
    const a = await mint(testCustomerId('cus_state'), 100);
    const b = await mint(testCustomerId('cus_state'), 100);
    await ledger.consume(b.approval_id, b.intent_hash, {
      customer_id: testCustomerId('cus_state'),
      credential_ref: b.credential_ref,
      correlation_id: testUuid('c'),
      now: at(101),
    });
    const ids = async (state: 'pending' | 'expired' | 'consumed', now: Date) =>
      (await ledger.list({ customer_id: testCustomerId('cus_state'), state, now })).items.map(
        (x) => x.approval_id,
      );
    expect(await ids('pending', at(110))).toEqual([a.approval_id]);
    expect(await ids('expired', at(110))).toEqual([]);
    expect(await ids('pending', at(200))).toEqual([]);
    expect(await ids('expired', at(200))).toEqual([a.approval_id]);
    expect(await ids('consumed', at(200))).toEqual([b.approval_id]);
  });

  it('rejects a forged cursor', async () => {
    await expect(ledger.list({ cursor: 'bm90LWEtY3Vyc29y' })).rejects.toMatchObject({
      reason: 'invalid_cursor',
    });
  });
});
