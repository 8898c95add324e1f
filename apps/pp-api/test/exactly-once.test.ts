import { clientOrderIdFor } from '@delta/plant/src/execution/client-order-id.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approve, execute, type Onboarded, onboard } from './runbook-helpers.ts';
import { type Session, type Stack, signIn, startStack } from './stack.ts';

let stack: Stack;
let ops: Session;
let acct: Onboarded;

beforeAll(async () => {
  // The exchange does not refuse a duplicate client order id: exactly-once must hold on Plant's side alone.
  stack = await startStack({ replayWaitMs: 30_000, uniqueClientOrderIds: false });
  ops = await signIn(stack, 'operator');
  acct = await onboard(stack, ops, { balance: 1_000_000 });
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

async function executionOf(approvalId: string) {
  const r = await stack.dbs.plant.db.query<{
    state: string;
    exchange_order_id: string | null;
    filled_size: number | null;
  }>('SELECT state, exchange_order_id, filled_size FROM executions WHERE approval_id = $1', [approvalId]);
  return r.rows;
}

describe('exactly once', () => {
  it('50 concurrent executes with one approval place exactly one order', async () => {
    const approvalId = await approve(ops, acct, { units: 1 });
    const results = await Promise.all(
      Array.from({ length: 50 }, () => execute(ops, acct, { units: 1 }, approvalId)),
    );
    const orders = await stack.paper.ordersByClientId(clientOrderIdFor(approvalId));
    const summary = JSON.stringify(results.map((r) => [r.status, r.body.reason ?? r.body.execution?.state]));
    expect(orders, summary).toHaveLength(1);
    const ok = results.filter((r) => r.status === 200);
    expect(ok.length).toBeGreaterThan(0);
    // Every success names that one order; the rest are refusals, never a second order.
    for (const r of ok) expect(String(r.body.execution!.exchange_order_id)).toBe(String(orders[0]!.id));
    for (const r of results.filter((x) => x.status !== 200)) expect([403, 409]).toContain(r.status);
    expect(ok.filter((r) => r.body.execution!.replayed !== true)).toHaveLength(1);
    expect(await executionOf(approvalId)).toHaveLength(1);
  });

  const faults = [
    { name: 'added latency', fault: { mode: 'latency' as const, latency_ms: 1500 } },
    {
      name: '502 after accepting the order',
      fault: { mode: '5xx' as const, status: 502 as const, after_accept: true },
    },
    { name: '429 rate limit', fault: { mode: '429' as const, reset_ms: 300 } },
    { name: 'accept, then drop the connection', fault: { mode: 'drop' as const } },
  ];

  it('a rate limit that outlasts the wait budget is a 429 with retry-after, and nothing is placed', async () => {
    // Its own account: the exchange's 429 blocks the key for its window, for every later order too.
    const busy = await onboard(stack, ops, { name: 'Rate limited', balance: 1_000_000 });
    const approvalId = await approve(ops, busy, { units: 1 });
    stack.paper.injectFault({ mode: '429', reset_ms: 45_000, method: 'POST', path: '/v2/orders', count: 1 });
    const r = await execute(ops, busy, { units: 1 }, approvalId);
    stack.paper.clearFaults();
    expect(r.status, JSON.stringify(r.body)).toBe(429);
    expect(r.body).toMatchObject({ reason: 'exchange_rate_limited', retry_after_s: 45 });
    expect(r.headers.get('retry-after')).toBe('45');
    expect(await stack.paper.ordersByClientId(clientOrderIdFor(approvalId))).toHaveLength(0);
    expect((await executionOf(approvalId)).map((e) => e.state)).toEqual(['rejected']);

    // The key is blocked for the rest of the window: the next approved order is refused before it is sent.
    const next = await approve(ops, busy, { units: 1 });
    const again = await execute(ops, busy, { units: 1 }, next);
    expect(again.status, JSON.stringify(again.body)).toBe(429);
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(30);
    expect(await stack.paper.ordersByClientId(clientOrderIdFor(next))).toHaveLength(0);
  });

  it.each(faults)(
    '$name during the order POST → exactly one order, and Plant records what the exchange has',
    async ({ fault }) => {
      const approvalId = await approve(ops, acct, { units: 1 });
      stack.paper.injectFault({ ...fault, method: 'POST', path: '/v2/orders', count: 1 });
      const r = await execute(ops, acct, { units: 1 }, approvalId);
      stack.paper.clearFaults();
      const orders = await stack.paper.ordersByClientId(clientOrderIdFor(approvalId));
      expect(orders).toHaveLength(1);
      expect(r.status).toBe(200);
      expect(r.body.execution).toMatchObject({ state: 'filled', exchange_order_id: String(orders[0]!.id) });
      expect(await executionOf(approvalId)).toEqual([
        { state: 'filled', exchange_order_id: String(orders[0]!.id), filled_size: 1 },
      ]);
    },
  );
});
