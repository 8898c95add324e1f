import { createApprovalLedger } from '@delta/approval-ledger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT, approve, execute, type Onboarded, onboard, runBody, type Trade } from './runbook-helpers.ts';
import { type Session, type Stack, signIn, startStack } from './stack.ts';

let stack: Stack;
let ops: Session;
let acct: Onboarded;
let other: Onboarded;

beforeAll(async () => {
  stack = await startStack();
  ops = await signIn(stack, 'operator');
  acct = await onboard(stack, ops, { name: 'First customer' });
  other = await onboard(stack, ops, { name: 'Second customer' });
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

async function ordersAtExchange(): Promise<number> {
  const r = await stack.dbs.paper.db.query<{ n: number }>('SELECT count(*)::int AS n FROM px_orders');
  return r.rows[0]!.n;
}

async function denialsFor(correlationId: string) {
  const r = await ops.call<{ items: { reason: string }[] }>(
    'GET',
    `/api/audit/policy-denials?correlation_id=${correlationId}`,
  );
  return r.body.items.map((d) => d.reason);
}

describe('an approval binds exactly one intent', () => {
  const approved: Trade = { coin: 'BTC', units: 2, side: 'long', limit_price: '59000' };
  const changes: [string, Trade][] = [
    ['units', { ...approved, units: 3 }],
    ['side', { ...approved, side: 'short' }],
    ['coin', { ...approved, coin: 'ETH', limit_price: '2950' }],
    ['price', { ...approved, limit_price: '59000.5' }],
    ['order type', { coin: 'BTC', units: 2, side: 'long' }],
  ];

  it.each(changes)(
    'a changed %s is refused with intent_mismatch, nothing is sent, and the approval stays usable',
    async (_f, changed) => {
      const approvalId = await approve(ops, acct, approved);
      const before = await ordersAtExchange();
      const r = await execute(ops, acct, changed, approvalId);
      expect(r.status).toBe(403);
      expect(r.body.reason).toBe('intent_mismatch');
      expect(await denialsFor(r.body.correlation_id!)).toEqual(['intent_mismatch']);
      expect(await ordersAtExchange()).toBe(before);
      const state = await ops.call<{ state: string }>('GET', `/api/approvals/${approvalId}`);
      expect(state.body.state).toBe('pending');
    },
  );

  it('a replay with a changed intent after use is refused (already_consumed), never a second order', async () => {
    const approvalId = await approve(ops, acct, { units: 1 });
    expect((await execute(ops, acct, { units: 1 }, approvalId)).status).toBe(200);
    const before = await ordersAtExchange();
    const r = await execute(ops, acct, { units: 4 }, approvalId);
    expect(r.status).toBe(403);
    expect(r.body.reason).toBe('already_consumed');
    expect(await ordersAtExchange()).toBe(before);
  });

  it('an expired approval is refused (expired)', async () => {
    const draft = await ops.call<{ plan: { intent_hash: string; hired_agent_id: string } }>(
      'POST',
      `/api/reference-agents/${AGENT}/run`,
      runBody(acct, { units: 1 }),
    );
    // Minted 20 minutes ago with a 10-minute life: the ledger's own clock says it is over.
    const ledger = createApprovalLedger({ db: stack.dbs.pp.db });
    const stale = await ledger.mint({
      issuer: 'pp',
      customer_id: acct.customerId,
      hired_agent_id: draft.body.plan.hired_agent_id,
      agent_id: AGENT,
      credential_ref: acct.credentialRef,
      intent_hash: draft.body.plan.intent_hash,
      intent_summary: {
        coin: 'BTC',
        side: 'long',
        action: 'enter',
        units: 1,
        order_type: 'market',
        limit_price: null,
      },
      approver: { id: 'usr_test', kind: 'ops' },
      evidence: { channel: 'phone', reference: 'test' },
      ttl_seconds: 600,
      now: new Date(Date.now() - 20 * 60_000),
    });
    const before = await ordersAtExchange();
    const r = await execute(ops, acct, { units: 1 }, stale.approval_id);
    expect(r.status).toBe(403);
    expect(r.body.reason).toBe('expired');
    expect(await ordersAtExchange()).toBe(before);
  });

  it('a revoked approval is refused (revoked); a used one cannot be revoked', async () => {
    const approvalId = await approve(ops, acct, { units: 1 });
    const revoke = await ops.call<{ state: string }>('POST', `/api/approvals/${approvalId}/revoke`);
    expect(revoke.status).toBe(200);
    expect(revoke.body.state).toBe('revoked');
    const before = await ordersAtExchange();
    const r = await execute(ops, acct, { units: 1 }, approvalId);
    expect(r.status).toBe(403);
    expect(r.body.reason).toBe('revoked');
    expect(await ordersAtExchange()).toBe(before);

    const used = await approve(ops, acct, { units: 1 });
    expect((await execute(ops, acct, { units: 1 }, used)).status).toBe(200);
    const late = await ops.call<{ reason: string }>('POST', `/api/approvals/${used}/revoke`);
    expect(late.status).toBe(409);
    expect(late.body.reason).toBe('already_consumed');
  });

  it("another customer's approval is refused, and an unknown approval id too", async () => {
    const theirs = await approve(ops, other, { units: 1 });
    const before = await ordersAtExchange();
    const r = await execute(ops, acct, { units: 1 }, theirs);
    expect(r.status).toBe(403);
    expect(r.body.reason).toBe('customer_mismatch');
    const unknown = await execute(ops, acct, { units: 1 }, 'apr_aaaaaaaaaaaaaaaaaaaaaaaaaa');
    expect(unknown.status).toBe(403);
    expect(unknown.body.reason).toBe('not_found');
    expect(await ordersAtExchange()).toBe(before);
    // Theirs is still usable by them.
    expect((await execute(ops, other, { units: 1 }, theirs)).status).toBe(200);
  });

  it('a plan that fails a risk check cannot be approved', async () => {
    const r = await ops.call<{ reason: string }>('POST', '/api/approvals', {
      agent_id: AGENT,
      run: runBody(acct, { units: 1000 }),
      consent: { channel: 'phone', reference: 'x' },
    });
    expect(r.status).toBe(409);
    expect(r.body.reason).toBe('plan_not_approvable');
  });
});
