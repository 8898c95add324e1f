/**
 * The fault storm, in miniature: a few hundred approved executions over several accounts, several in flight, some
 * replayed, under every fault the paper exchange offers — on an exchange that does NOT refuse a duplicate client
 * order id. Afterwards approvals, Plant's executions and the exchange's orders and positions are compared one by
 * one. The seed is printed; FAULT_MIX_SEED=<n> replays a run.
 */
import type { FaultInput } from '@delta/paper-exchange';
import { seededRandom } from '@delta/server-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAgreement } from './exchange-agreement.ts';
import { approve, execute, type Onboarded, onboard, type Trade } from './runbook-helpers.ts';
import { type Session, type Stack, signIn, startStack } from './stack.ts';

const SEED = Number(process.env.FAULT_MIX_SEED ?? Math.floor(Math.random() * 2 ** 31));
const EXECUTIONS = 160;
const IN_FLIGHT = 8;
const ACCOUNTS = 4;
// Longest hold below: the exchange processes every held request by then.
const LONGEST_HOLD_MS = 14_000;

const ORDER_FAULTS: [number, FaultInput | undefined][] = [
  [30, undefined],
  [8, { mode: 'latency', latency_ms: 300 }],
  [6, { mode: 'latency', latency_ms: 7_000 }], // past the send timeout: found by the request's look-ups
  [3, { mode: 'latency', latency_ms: LONGEST_HOLD_MS }], // past every look-up: unknown, then found late
  [8, { mode: '5xx', status: 503 }], // before processing: unknown, then not placed
  [8, { mode: '5xx', status: 502, after_accept: true }],
  [8, { mode: '429', reset_ms: 200 }],
  [8, { mode: 'drop' }],
];
const LOOKUP_FAULTS: [number, FaultInput | undefined][] = [
  [80, undefined],
  [10, { mode: '5xx', status: 500, method: 'GET', path: '/v2/orders/client_order_id/:client_oid' }],
  [10, { mode: 'latency', latency_ms: 1_500, method: 'GET', path: '/v2/orders/client_order_id/:client_oid' }],
];

function pick<T>(rand: () => number, table: [number, T][]): T {
  const total = table.reduce((a, [w]) => a + w, 0);
  let x = rand() * total;
  for (const [w, v] of table) {
    x -= w;
    if (x < 0) return v;
  }
  return table[table.length - 1]![1];
}

let stack: Stack;
let ops: Session;
const accounts: Onboarded[] = [];

beforeAll(async () => {
  console.log(`fault-mix seed ${SEED} (FAULT_MIX_SEED=${SEED} replays it)`);
  stack = await startStack({ uniqueClientOrderIds: false, replayWaitMs: 20_000, logLevel: 'warn' });
  ops = await signIn(stack, 'operator');
  for (let i = 0; i < ACCOUNTS; i++) {
    accounts.push(await onboard(stack, ops, { name: `Storm ${i}`, balance: 10_000_000, maxUnits: 100 }));
  }
}, 180_000);
afterAll(async () => {
  await stack?.close();
});

describe('fault mix on an exchange that takes duplicate client order ids', () => {
  it(`${EXECUTIONS} executions: no duplicate, no order without an approval, every record agrees`, async () => {
    const rand = seededRandom(SEED);
    const jobs = Array.from({ length: EXECUTIONS }, (_, i) => {
      const account = accounts[i % ACCOUNTS]!;
      const trade: Trade = {
        coin: rand() < 0.7 ? 'BTC' : 'ETH',
        units: 1 + Math.floor(rand() * 3),
        side: rand() < 0.5 ? 'long' : 'short',
        action: 'enter',
      };
      return {
        account,
        trade,
        orderFault: pick(rand, ORDER_FAULTS),
        lookupFault: pick(rand, LOOKUP_FAULTS),
        replays: rand() < 0.15 ? 1 + Math.floor(rand() * 3) : 0,
      };
    });
    const approvals: { approvalId: string; account: Onboarded; statuses: number[] }[] = [];
    let next = 0;
    const worker = async () => {
      while (next < jobs.length) {
        const job = jobs[next++]!;
        const approvalId = await approve(ops, job.account, job.trade);
        if (job.orderFault) stack.paper.injectFault({ ...job.orderFault, count: 1 });
        if (job.lookupFault) stack.paper.injectFault({ ...job.lookupFault, count: 1 });
        // The first request and its replays race each other (a double click, a retrying client).
        const results = await Promise.all(
          Array.from({ length: 1 + job.replays }, () => execute(ops, job.account, job.trade, approvalId)),
        );
        approvals.push({ approvalId, account: job.account, statuses: results.map((r) => r.status) });
        for (const r of results) expect(r.status, JSON.stringify(r.body)).toBeLessThan(500);
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    stack.paper.clearFaults();

    // Every held request has reached the exchange by now; then the reconciler settles what is left. Inside the
    // horizon an absent order stays unknown; only once nothing can arrive any more is the horizon closed.
    await new Promise((r) => setTimeout(r, LONGEST_HOLD_MS + 1_000));
    for (let pass = 0; pass < 10; pass++) {
      await stack.dbs.plant.db.query(
        `UPDATE executions SET lease_until = NULL WHERE state IN ('submitted', 'unknown') AND lease_owner IS NULL`,
      );
      await stack.exchange.reconcileOnce({ horizonS: 10 });
      const open = await stack.dbs.plant.db.query<{ n: string }>(
        `SELECT count(*) AS n FROM executions WHERE state IN ('pending', 'submitted', 'unknown')`,
      );
      if (Number(open.rows[0]!.n) === 0) break;
    }

    // Approvals ↔ executions: every consumed approval has exactly one execution, every execution a consumed
    // approval; an approval never consumed has none.
    const ledger = await stack.dbs.pp.db.query<{ approval_id: string; state: string }>(
      'SELECT approval_id, state FROM approvals',
    );
    const stateOf = new Map(ledger.rows.map((a) => [a.approval_id, a.state]));
    const executed = await stack.dbs.plant.db.query<{ approval_id: string; n: string }>(
      'SELECT approval_id, count(*) AS n FROM executions GROUP BY approval_id',
    );
    const executions = new Map(executed.rows.map((e) => [e.approval_id, Number(e.n)]));
    for (const a of approvals) {
      const n = executions.get(a.approvalId) ?? 0;
      expect(n, `approval ${a.approvalId} (${stateOf.get(a.approvalId)})`).toBe(
        stateOf.get(a.approvalId) === 'consumed' ? 1 : 0,
      );
    }
    for (const [approvalId] of executions) expect(stateOf.get(approvalId)).toBe('consumed');

    // Executions ↔ orders ↔ positions, per account.
    let filled = 0;
    for (const account of accounts) {
      const { executions: rows } = await expectAgreement(stack, account.customerId, account.userId);
      filled += rows.filter((r) => r.state === 'filled').length;
    }
    expect(filled).toBeGreaterThan(EXECUTIONS / 2);
  }, 600_000);
});
