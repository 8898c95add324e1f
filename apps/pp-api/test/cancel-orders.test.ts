import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AGENT,
  approve,
  approveRun,
  cancelBody,
  execute,
  executeRun,
  type Onboarded,
  onboard,
} from './runbook-helpers.ts';
import { type Session, type Stack, signIn, startStack } from './stack.ts';

/**
 * Cancelling a resting order is a trade action like any other: it changes the customer's account, so it is
 * drafted (the plan shows the order as the exchange holds it), approved for exactly that order, and executed
 * once with that approval — PP → gateway → Plant → PP's vault → the paper exchange.
 */
let stack: Stack;
let ops: Session;
let acct: Onboarded;
let other: Onboarded;

beforeAll(async () => {
  stack = await startStack({ reconcileHorizonS: 30 });
  ops = await signIn(stack, 'operator');
  acct = await onboard(stack, ops, { name: 'Cancel customer' });
  other = await onboard(stack, ops, { name: 'Another customer' });
  await stack.paper.setMarkPrice('BTCUSD', 60_000);
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

/** Places a resting buy limit well under the mark (approved and executed like any entry); its exchange id. */
async function restingOrder(o: Onboarded, price = '59000', units = 2): Promise<string> {
  const approvalId = await approve(ops, o, { units, limit_price: price });
  const r = await execute(ops, o, { units, limit_price: price }, approvalId);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  expect(r.body.execution).toMatchObject({ state: 'open' });
  return String(r.body.execution!.exchange_order_id);
}

async function exchangeState(orderId: string): Promise<string> {
  const r = await stack.dbs.paper.db.query<{ state: string }>('SELECT state FROM px_orders WHERE id = $1', [
    orderId,
  ]);
  return r.rows[0]!.state;
}

describe('cancel a resting order: draft → approve → execute', () => {
  it('drafts the cancel from the order as the exchange holds it, with nothing sent', async () => {
    const orderId = await restingOrder(acct);
    const r = await ops.call<{
      mode: string;
      plan: { intent: unknown; order: unknown; approvable: boolean; risk_checks: unknown[] };
    }>('POST', `/api/reference-agents/${AGENT}/run`, cancelBody(acct, orderId));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.mode).toBe('draft');
    const plan = r.body.plan;
    expect(plan.intent).toMatchObject({
      action: 'cancel',
      intent_action: 'cancel_order',
      order_id: orderId,
      side: 'long',
      units: 2,
      order_type: 'limit',
      limit_price: '59000',
    });
    expect(plan.order).toMatchObject({ product_id: 27, size: 2, side: 'buy', order_type: 'limit_order' });
    expect(plan.approvable).toBe(true);
    expect(plan.risk_checks).toContainEqual(expect.objectContaining({ check: 'open_order', passed: true }));
    expect(await exchangeState(orderId)).toBe('open');
  });

  it('without an approval it is refused (approval_required) and the order keeps resting', async () => {
    const orderId = await restingOrder(acct);
    const r = await executeRun(ops, cancelBody(acct, orderId));
    expect(r.status).toBe(403);
    expect(r.body.reason).toBe('approval_required');
    expect(await exchangeState(orderId)).toBe('open');
  });

  it('with the approval it cancels exactly that order once; a replay answers with the same record', async () => {
    const orderId = await restingOrder(acct);
    const run = cancelBody(acct, orderId);
    const approvalId = await approveRun(ops, run);
    const approval = await ops.call<{ intent_summary: Record<string, unknown> }>(
      'GET',
      `/api/approvals/${approvalId}`,
    );
    expect(approval.body.intent_summary).toMatchObject({ action: 'cancel', order_id: orderId });

    const r = await executeRun(ops, run, approvalId);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.execution).toMatchObject({
      state: 'cancelled',
      exchange_order_id: orderId,
      filled_size: 0,
    });
    expect(await exchangeState(orderId)).toBe('cancelled');

    const again = await executeRun(ops, run, approvalId);
    expect(again.status).toBe(200);
    expect(again.body.execution).toMatchObject({ state: 'cancelled', replayed: true });
    const executions = await ops.call<{ items: { approval_id: string; action: string; state: string }[] }>(
      'GET',
      `/api/executions?customer_id=${acct.customerId}`,
    );
    expect(executions.body.items.filter((e) => e.approval_id === approvalId)).toEqual([
      expect.objectContaining({ action: 'cancel_order', state: 'cancelled' }),
    ]);
  });

  it('an approval for one order cannot cancel another (intent_mismatch), and the other keeps resting', async () => {
    const first = await restingOrder(acct, '58600');
    const second = await restingOrder(acct, '58700');
    const approvalId = await approveRun(ops, cancelBody(acct, first));
    const r = await executeRun(ops, cancelBody(acct, second), approvalId);
    expect(r.status).toBe(403);
    expect(r.body.reason).toBe('intent_mismatch');
    expect(await exchangeState(second)).toBe('open');
    expect(await exchangeState(first)).toBe('open');
  });

  it('an order that filled after the approval fails open_order before the approval is used (it stays pending)', async () => {
    const orderId = await restingOrder(acct, '59500');
    const run = cancelBody(acct, orderId);
    const approvalId = await approveRun(ops, run);
    // The market falls through the limit: the resting buy fills.
    await stack.paper.setMarkPrice('BTCUSD', 59_000);
    expect(await exchangeState(orderId)).toBe('closed');
    const r = await executeRun(ops, run, approvalId);
    expect(r.status).toBe(403);
    expect(r.body.reason).toBe('risk_check_failed');
    const approval = await ops.call<{ state: string }>('GET', `/api/approvals/${approvalId}`);
    expect(approval.body.state).toBe('pending');
    await stack.paper.setMarkPrice('BTCUSD', 60_000);
  });

  it("another customer's order id is not found through this customer's key", async () => {
    const theirs = await restingOrder(other, '58800');
    const r = await ops.call<{ reason: string }>(
      'POST',
      `/api/reference-agents/${AGENT}/run`,
      cancelBody(acct, theirs),
    );
    expect(r.status).toBe(404);
    expect(r.body.reason).toBe('order_not_found');
    expect(await exchangeState(theirs)).toBe('open');
  });

  it('bad cancel input is a 422 naming each field, never a 500', async () => {
    const r = await ops.call<{ errors: { path: string }[] }>('POST', `/api/reference-agents/${AGENT}/run`, {
      ...cancelBody(acct, '12'),
      order_id: '12; DROP TABLE',
      units: 3,
    });
    expect(r.status).toBe(422);
    expect(r.body.errors.map((e) => e.path).sort()).toEqual(['order_id', 'units']);
    const missing = await ops.call<{ errors: { path: string }[] }>(
      'POST',
      `/api/reference-agents/${AGENT}/run`,
      {
        customer_id: acct.customerId,
        exchange_account_id: acct.credentialRef,
        coin: 'BTC',
        action: 'cancel',
      },
    );
    expect(missing.status).toBe(422);
    expect(missing.body.errors.map((e) => e.path)).toEqual(['order_id']);
  });

  it('a cancel whose answer is lost is unknown, then settled as cancelled by the reconciler', async () => {
    const orderId = await restingOrder(acct, '58900');
    const run = cancelBody(acct, orderId);
    const approvalId = await approveRun(ops, run);
    // Every DELETE the request path sends is answered 503 without being processed.
    stack.paper.injectFault({ mode: '5xx', status: 503, method: 'DELETE', path: '/v2/orders', count: 4 });
    const r = await executeRun(ops, run, approvalId);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.execution).toMatchObject({ state: 'unknown' });
    expect(await exchangeState(orderId)).toBe('open');
    stack.paper.clearFaults();

    // The reconciler finds the order still open and cancels it (a cancel is idempotent, and was approved).
    await stack.exchange.reconcileOnce();
    expect(await exchangeState(orderId)).toBe('cancelled');
    const executions = await ops.call<{ items: { approval_id: string; state: string; reason: string }[] }>(
      'GET',
      `/api/executions?customer_id=${acct.customerId}`,
    );
    expect(executions.body.items.find((e) => e.approval_id === approvalId)).toMatchObject({
      state: 'cancelled',
      reason: 'discovered_late',
    });
  });
});
