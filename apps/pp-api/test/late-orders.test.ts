import { clientOrderIdFor } from '@delta/plant/src/execution/client-order-id.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAgreement, plantExecutions } from './exchange-agreement.ts';
import { approve, execute, type Onboarded, onboard } from './runbook-helpers.ts';
import { type Session, type Stack, signIn, startStack } from './stack.ts';

// The exchange here does NOT refuse a duplicate client order id: any second send would be a second order.
let stack: Stack;
let ops: Session;
let acct: Onboarded;

beforeAll(async () => {
  stack = await startStack({ uniqueClientOrderIds: false, reconcileHorizonS: 600 });
  ops = await signIn(stack, 'operator');
  acct = await onboard(stack, ops, { balance: 1_000_000 });
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

/** The next look-up of every unsettled execution is due now (the reconciler backs off between look-ups). */
async function dueNow() {
  await stack.dbs.plant.db.query(
    `UPDATE executions SET lease_until = NULL WHERE state IN ('submitted', 'unknown') AND lease_owner IS NULL`,
  );
}

async function row(approvalId: string) {
  return (await plantExecutions(stack, acct.customerId)).find((e) => e.approval_id === approvalId)!;
}

describe('an order the exchange takes late is never lost, and never sent twice', () => {
  it('held past the signature window and every look-up of the request: unknown, then found late and recorded', async () => {
    const approvalId = await approve(ops, acct, { units: 1 });
    const cid = clientOrderIdFor(approvalId);
    // The exchange holds the order POST for 20 s, then processes it: longer than Plant's send (5 s) and its own
    // look-ups (6 s) together, and far past Delta's 5 s signature window.
    stack.paper.injectFault({ mode: 'latency', latency_ms: 20_000, method: 'POST', path: '/v2/orders' });
    const sentAt = Date.now();
    const r = await execute(ops, acct, { units: 1 }, approvalId);
    expect(r.status).toBe(200);
    expect(r.body.execution).toMatchObject({ state: 'unknown', reason: 'outcome_unknown' });
    expect(await stack.paper.ordersByClientId(cid)).toHaveLength(0);

    // Absent so far is not "not placed": the reconciler keeps it unknown inside the horizon.
    expect(await stack.exchange.reconcileOnce()).toBe(1);
    expect(await row(approvalId)).toMatchObject({ state: 'unknown', reason: 'not_found_yet' });

    // The exchange processes the held request; the reconciler finds the order and records it, late.
    // (The hold runs from when the exchange got the request: on a loaded machine, later than sentAt.)
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, sentAt + 20_500 - Date.now())));
    let orders = await stack.paper.ordersByClientId(cid);
    for (const giveUpAt = Date.now() + 20_000; orders.length === 0 && Date.now() < giveUpAt; ) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      orders = await stack.paper.ordersByClientId(cid);
    }
    expect(orders).toHaveLength(1);
    await dueNow();
    expect(await stack.exchange.reconcileOnce()).toBe(1);
    const settled = await row(approvalId);
    expect(settled).toMatchObject({
      state: 'filled',
      reason: 'discovered_late',
      exchange_order_id: String(orders[0]!.id),
      filled_size: 1,
    });
    expect(settled.discovered_late_at).not.toBeNull();

    // On the record for ops and the customer: an audit record with the times, a usage event, a warning.
    const audit = await stack.dbs.plant.db.query<{ details: Record<string, unknown> }>(
      `SELECT details FROM audit_log WHERE kind = 'execution.discovered_late' AND correlation_id = $1`,
      [r.body.correlation_id],
    );
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0]!.details).toMatchObject({
      previous_state: 'unknown',
      state: 'filled',
      client_order_id: cid,
    });
    expect(Number(audit.rows[0]!.details.discovered_after_s)).toBeGreaterThanOrEqual(19);
    const events = await ops.call<{ items: { event_type: string }[] }>(
      'GET',
      `/api/usage-events?customer_id=${acct.customerId}&event_type=execution_discovered_late`,
    );
    expect(events.body.items).toHaveLength(1);
    expect(stack.logs.lines.some((l) => l.includes('an order recorded as unknown was found'))).toBe(true);

    // The approval replayed gets that one order, never a second.
    const replay = await execute(ops, acct, { units: 1 }, approvalId);
    expect(replay.body.execution).toMatchObject({ state: 'filled', replayed: true });
    expect(await stack.paper.ordersByClientId(cid)).toHaveLength(1);
    await expectAgreement(stack, acct.customerId, acct.userId);
  }, 120_000);

  it('a 503 before processing with slow look-ups: the reconciler waits for the request, nothing is re-sent', async () => {
    const approvalId = await approve(ops, acct, { units: 1 });
    const cid = clientOrderIdFor(approvalId);
    stack.paper.injectFault({ mode: '5xx', status: 503, method: 'POST', path: '/v2/orders' });
    stack.paper.injectFault({
      mode: 'latency',
      latency_ms: 2_500,
      count: 3,
      method: 'GET',
      path: '/v2/orders/client_order_id/:client_oid',
    });
    const inFlight = execute(ops, acct, { units: 1 }, approvalId);
    // While the request still works on it, the reconciler (on any instance) cannot take the execution.
    const passes: number[] = [];
    const started = Date.now();
    while (Date.now() - started < 5_000) {
      passes.push(await stack.exchange.reconcileOnce());
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(passes.every((n) => n === 0)).toBe(true);
    const r = await inFlight;
    expect(r.body.execution).toMatchObject({ state: 'unknown' });
    stack.paper.clearFaults();

    // Inside the horizon it stays unknown; past it, it is not placed — and at no point was it sent again.
    await dueNow();
    await stack.exchange.reconcileOnce();
    expect(await row(approvalId)).toMatchObject({ state: 'unknown', reason: 'not_found_yet' });
    await dueNow();
    await stack.exchange.reconcileOnce({ horizonS: 1 });
    expect(await row(approvalId)).toMatchObject({ state: 'rejected', reason: 'not_placed' });
    expect(await stack.paper.ordersByClientId(cid)).toHaveLength(0);
    const audit = await stack.dbs.plant.db.query<{ details: Record<string, unknown> }>(
      `SELECT details FROM audit_log WHERE kind = 'execution.not_placed' AND correlation_id = $1`,
      [r.body.correlation_id],
    );
    expect(audit.rows[0]?.details).toMatchObject({ horizon_s: 1, previous_state: 'unknown' });
    await expectAgreement(stack, acct.customerId, acct.userId);
  }, 90_000);
});
