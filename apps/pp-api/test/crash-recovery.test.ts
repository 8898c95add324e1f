import { clientOrderIdFor } from '@delta/plant/src/execution/client-order-id.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approve, execute, type Onboarded, onboard } from './runbook-helpers.ts';
import { type Session, type Stack, signIn, startStack } from './stack.ts';

let stack: Stack;
let ops: Session;
let acct: Onboarded;

beforeAll(async () => {
  stack = await startStack({ plantProcess: true });
  ops = await signIn(stack, 'operator');
  acct = await onboard(stack, ops);
}, 240_000);
afterAll(async () => {
  await stack?.close();
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('Plant killed after sending, before recording the result', () => {
  it('the reconciler settles the execution after a restart, and there is still exactly one order', async () => {
    const approvalId = await approve(ops, acct, { units: 1 });
    const cid = clientOrderIdFor(approvalId);
    // The exchange accepts the order and drops the connection; Plant's follow-up look-up is held for a minute,
    // so Plant is certainly between "sent" and "recorded" when it dies.
    stack.paper.injectFault({ mode: 'drop', method: 'POST', path: '/v2/orders', count: 1 });
    stack.paper.injectFault({
      mode: 'latency',
      latency_ms: 60_000,
      method: 'GET',
      path: `/v2/orders/client_order_id/${cid}`,
      count: 1,
    });
    const inFlight = execute(ops, acct, { units: 1 }, approvalId).catch(() => null);

    const placed = await until('the order at the exchange', async () => {
      const o = await stack.paper.ordersByClientId(cid);
      return o.length === 1 ? o : undefined;
    });
    await new Promise((r) => setTimeout(r, 300));
    await stack.plantProcess!.kill('SIGKILL');
    const answer = await inFlight;
    expect(answer?.status).toBe(502); // the gateway lost Plant mid-request
    stack.paper.clearFaults();

    const before = await stack
      .plantProcess!.restart()
      .then(() =>
        ops.call<{ items: { approval_id: string; state: string }[] }>(
          'GET',
          `/api/executions?customer_id=${acct.customerId}`,
        ),
      );
    // Right after the restart the record still says what it knew when Plant died.
    expect(before.body.items.find((e) => e.approval_id === approvalId)?.state).toMatch(/submitted|filled/);

    const settled = await until('the reconciler to settle it', async () => {
      const r = await ops.call<{
        items: {
          approval_id: string;
          state: string;
          exchange_order_id: string | null;
          reason: string | null;
        }[];
      }>('GET', `/api/executions?customer_id=${acct.customerId}`);
      const e = r.body.items.find((x) => x.approval_id === approvalId);
      return e && e.state === 'filled' ? e : undefined;
    });
    expect(settled.exchange_order_id).toBe(String(placed[0]!.id));
    expect(settled.reason).toBe('settled_by_reconciler');
    expect(await stack.paper.ordersByClientId(cid)).toHaveLength(1);

    const events = await ops.call<{ items: { event_type: string; outcome: string }[] }>(
      'GET',
      `/api/usage-events?customer_id=${acct.customerId}&event_type=execution_settled`,
    );
    expect(events.body.items.map((e) => e.outcome)).toEqual(['filled']);

    // The same approval replayed after all this still gets that one order.
    const replay = await execute(ops, acct, { units: 1 }, approvalId);
    expect(replay.status).toBe(200);
    expect(replay.body.execution).toMatchObject({ exchange_order_id: String(placed[0]!.id), replayed: true });
    expect(await stack.paper.ordersByClientId(cid)).toHaveLength(1);
  }, 240_000);
});
