import { clientOrderIdFor as clientOrderIdOf } from '@delta/plant/src/execution/client-order-id.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT, approve, CONSENT, execute, type Onboarded, onboard, runBody } from './runbook-helpers.ts';
import { type Session, type Stack, signIn, startStack } from './stack.ts';

let stack: Stack;
let ops: Session;
let acct: Onboarded;

beforeAll(async () => {
  stack = await startStack();
  ops = await signIn(stack, 'operator');
  acct = await onboard(stack, ops);
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

describe('the spec runbook through the APIs (PP → gateway → Plant → vault → paper exchange)', () => {
  let enteredOrderId: string;

  it('drafts a deterministic, approvable plan with no side effect', async () => {
    const a = await ops.call<{
      mode: string;
      plan: Record<string, unknown> & {
        intent_hash: string;
        approvable: boolean;
        order: Record<string, unknown>;
      };
    }>('POST', `/api/reference-agents/${AGENT}/run`, runBody(acct, { units: 2 }));
    expect(a.status).toBe(200);
    expect(a.body.mode).toBe('draft');
    expect(a.body.plan.approvable).toBe(true);
    expect(a.body.plan.order).toMatchObject({
      product_id: 27,
      product_symbol: 'BTCUSD',
      size: 2,
      side: 'buy',
      order_type: 'market_order',
      reduce_only: false,
    });
    const b = await ops.call<{ plan: Record<string, unknown> }>(
      'POST',
      `/api/reference-agents/${AGENT}/run`,
      runBody(acct, { units: 2 }),
    );
    expect(b.body.plan).toEqual(a.body.plan);
    const orders = await stack.dbs.paper.db.query('SELECT count(*)::int AS n FROM px_orders');
    expect(orders.rows[0]).toEqual({ n: 0 });
  });

  it('refuses to execute without an approval: 403 approval_required, listed under its correlation id', async () => {
    const r = await execute(ops, acct, { units: 2 });
    expect(r.status).toBe(403);
    expect(r.body.reason).toBe('approval_required');
    const cid = r.body.correlation_id as string;
    expect(r.headers.get('x-correlation-id')).toBe(cid);
    const denials = await ops.call<{ items: { correlation_id: string; reason: string }[] }>(
      'GET',
      `/api/audit/policy-denials?correlation_id=${cid}`,
    );
    expect(denials.status).toBe(200);
    expect(denials.body.items.map((d) => [d.correlation_id, d.reason])).toEqual([[cid, 'approval_required']]);
  });

  it('mints an approval bound to the plan and executes exactly one order with it', async () => {
    const approvalId = await approve(ops, acct, { units: 2 });
    expect(approvalId).toMatch(/^apr_/);
    const r = await execute(ops, acct, { units: 2 }, approvalId);
    expect(r.status).toBe(200);
    const ex = r.body.execution!;
    expect(ex).toMatchObject({ approval_id: approvalId, state: 'filled', size: 2, filled_size: 2 });
    expect(Number(ex.average_fill_price)).toBeGreaterThan(0);
    expect(Number(ex.fees)).toBeGreaterThan(0);
    enteredOrderId = String(ex.exchange_order_id);
    const orders = await stack.paper.ordersByClientId(String(ex.client_order_id));
    expect(orders).toHaveLength(1);
    expect(String(orders[0]!.id)).toBe(enteredOrderId);

    // Replaying the same approval returns the recorded execution, never a second order.
    const again = await execute(ops, acct, { units: 2 }, approvalId);
    expect(again.status).toBe(200);
    expect(again.body.execution).toMatchObject({ exchange_order_id: enteredOrderId, replayed: true });
    expect(await stack.paper.ordersByClientId(String(ex.client_order_id))).toHaveLength(1);

    const account = await ops.call<{ positions: { product_symbol: string; size: number }[] }>(
      'GET',
      `/api/credentials/${acct.credentialRef}/account`,
    );
    expect(account.body.positions.map((p) => [p.product_symbol, p.size])).toEqual([['BTCUSD', 2]]);
  });

  it('exits with a reduce-only opposite order for min(units, open size), then refuses when flat', async () => {
    // The draft of the exit shows the position it reduces.
    const draft = await ops.call<{
      plan: { risk_checks: { check: string; passed: boolean; reason: string }[] };
    }>('POST', `/api/reference-agents/${AGENT}/run`, runBody(acct, { units: 5, action: 'exit' }));
    expect(draft.body.plan.risk_checks.find((c) => c.check === 'open_position')).toEqual({
      check: 'open_position',
      passed: true,
      reason: 'the open long BTCUSD position is 2 contracts; this exit closes it',
    });
    const approvalId = await approve(ops, acct, { units: 5, action: 'exit' });
    // A second exit approved while the position is still open: executed after the first, it finds the account flat.
    const lateApproval = await approve(ops, acct, { units: 1, action: 'exit' });
    const r = await execute(ops, acct, { units: 5, action: 'exit' }, approvalId);
    expect(r.status).toBe(200);
    expect(r.body.execution).toMatchObject({ state: 'filled', size: 2 });
    const exitOrder = (await stack.paper.ordersByClientId(String(r.body.execution!.client_order_id)))[0]!;
    expect(exitOrder).toMatchObject({ side: 'sell', reduce_only: true, size: 2 });
    const account = await ops.call<{ positions: unknown[] }>(
      'GET',
      `/api/credentials/${acct.credentialRef}/account`,
    );
    expect(account.body.positions).toEqual([]);

    // Flat now: an exit's draft fails open_position, so it cannot be approved at all.
    const flatDraft = await ops.call<{
      plan: { approvable: boolean; risk_checks: { check: string; passed: boolean; reason: string }[] };
    }>('POST', `/api/reference-agents/${AGENT}/run`, runBody(acct, { units: 1, action: 'exit' }));
    expect(flatDraft.body.plan.approvable).toBe(false);
    expect(flatDraft.body.plan.risk_checks.find((c) => c.check === 'open_position')).toMatchObject({
      passed: false,
      reason: 'there is no open long BTCUSD position to exit (the account is flat)',
    });
    const mint = await ops.call<{ reason: string }>('POST', '/api/approvals', {
      agent_id: AGENT,
      run: runBody(acct, { units: 1, action: 'exit' }),
      consent: CONSENT,
    });
    expect(mint.status).toBe(409);
    expect(mint.body.reason).toBe('plan_not_approvable');

    // The exit approved earlier is refused by the risk re-check before its approval is consumed: it stays pending.
    const flat = await execute(ops, acct, { units: 1, action: 'exit' }, lateApproval);
    expect(flat.status).toBe(403);
    expect(flat.body.reason).toBe('risk_check_failed');
    expect(await stack.paper.ordersByClientId(String(clientOrderIdOf(lateApproval)))).toHaveLength(0);
    const ledger = await stack.dbs.pp.db.query<{ state: string }>(
      'SELECT state FROM approvals WHERE approval_id = $1',
      [lateApproval],
    );
    expect(ledger.rows[0]?.state).toBe('pending');
  });

  it('never lets a viewer approve or execute', async () => {
    const viewer = await signIn(stack, 'viewer');
    const mint = await viewer.call('POST', '/api/approvals', {
      agent_id: AGENT,
      run: runBody(acct),
      consent: CONSENT,
    });
    expect(mint.status).toBe(403);
    const run = await viewer.call<{ reason: string }>(
      'POST',
      `/api/reference-agents/${AGENT}/run`,
      runBody(acct),
    );
    expect(run.status).toBe(403);
    expect(run.body.reason).toBe('role_forbidden');
  });

  it("refuses key material sent towards Plant at the first door (PP validates with Plant's contracts)", async () => {
    // The gateway's credential firewall is the second layer (apps/plant-gateway tests): PP never forwards a
    // body or a query its contract refuses, so the key does not leave PP.
    const r = await ops.call<{ reason: string; errors: { path: string }[] }>(
      'POST',
      `/api/reference-agents/${AGENT}/run`,
      { ...runBody(acct), api_key: acct.apiKey },
    );
    expect(r.status).toBe(422);
    expect(r.body.errors.map((e) => e.path)).toContain('api_key');
    expect(JSON.stringify(r.body)).not.toContain(acct.apiKey);
    const q = await ops.call<{ reason: string }>('GET', `/api/usage-events?api_secret=${acct.apiSecret}`);
    expect(q.status).toBe(422);
    expect(JSON.stringify(q.body)).not.toContain(acct.apiSecret);
  });
});
