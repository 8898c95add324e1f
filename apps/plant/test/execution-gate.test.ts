import { testApprovalId, testCredentialRef, testCustomerId } from '@delta/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientOrderIdFor } from '../src/execution/client-order-id.ts';
import type { ApprovalVerifier } from '../src/integrations/approval-verifier.ts';
import type { ExecuteOrderRequest, OrderExecutor } from '../src/integrations/order-executor.ts';
import { hire, type PlantTestApp, run, runBody, startPlant, startPlantOn } from './plant-test-app.ts';

function spyExecutor() {
  const calls: ExecuteOrderRequest[] = [];
  const executor: OrderExecutor = {
    async execute(request) {
      calls.push(request);
      return { exchangeOrderId: '9001', state: 'filled' };
    },
  };
  return { calls, executor };
}

let p: PlantTestApp;
const spy = spyExecutor();
beforeAll(async () => {
  // The default (fail-closed) verifier with an executor that records every call.
  p = await startPlant({ orderExecutor: spy.executor, hookTimeoutMs: 10_000 });
  await hire(
    p.app,
    testCustomerId('cust-001'),
    { allowed_coins: ['BTC', 'ETH'], risk_limits: { max_units_per_order: 50 } },
    'paid',
  );
});
afterAll(() => p.close());

const arbApprovalId = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,40}$/);
const arbRun = fc.record({
  coin: fc.constantFrom('BTC', 'ETH'),
  units: fc.integer({ min: 1, max: 100 }),
  side: fc.constantFrom('long', 'short'),
  action: fc.constantFrom('enter', 'exit'),
  market: fc.boolean(),
  approval: fc.option(arbApprovalId, { nil: undefined }),
  declare: fc.boolean(),
  extra: fc.oneof(
    { arbitrary: fc.constant({}), weight: 5 },
    {
      arbitrary: fc.constantFrom({ skip_approval: true }, { auto_execute: true }, { approved: true }),
      weight: 1,
    },
  ),
});

describe('no path reaches the exchange without a verified, consumed approval', () => {
  it('random requests with random approval ids never call the executor (default verifier)', async () => {
    await fc.assert(
      fc.asyncProperty(arbRun, async (r) => {
        const body = runBody({
          coin: r.coin,
          units: r.units,
          side: r.side,
          action: r.action,
          ...(r.market
            ? { market: true, limit_price: undefined }
            : { limit_price: r.coin === 'BTC' ? '65000' : '3400' }),
          ...(r.declare ? { intent_action: r.action === 'enter' ? 'place_order' : 'close_position' } : {}),
          ...(r.approval ? { approval_id: r.approval } : {}),
          ...r.extra,
        });
        const res = await run(p.app, body);
        expect([200, 403, 422]).toContain(res.statusCode);
        if (res.statusCode === 200) expect(res.json().mode).toBe('draft');
        expect(spy.calls).toHaveLength(0);
      }),
      { numRuns: 40 },
    );
  });

  it('with a verifier that allows: exactly the approved intent executes, once, with the plan order', async () => {
    const consumed = new Set<string>();
    const approvedHashes = new Set<string>();
    // A stand-in ledger: an approval is valid only for the hash it was minted for, and only once.
    const ledger: ApprovalVerifier = {
      async consume(req) {
        if (!approvedHashes.has(`${req.approvalId}:${req.intentHash}`))
          return { ok: false, reason: 'not_found' };
        if (consumed.has(req.approvalId)) return { ok: false, reason: 'already_consumed' };
        consumed.add(req.approvalId);
        return {
          ok: true,
          approvalId: req.approvalId,
          intentHash: req.intentHash,
          consumedAt: '2026-01-01T00:00:00Z',
        };
      },
    };
    const local = spyExecutor();
    const q = await startPlantOn(p.testDb, { approvalVerifier: ledger, orderExecutor: local.executor });
    try {
      const draft = await run(q.app, runBody({ units: 3 }));
      const plan = draft.json().plan;
      approvedHashes.add(`${testApprovalId('apr-ok-1')}:${plan.intent_hash}`);

      // A changed field (units) no longer matches the approval.
      const changed = await run(
        q.app,
        runBody({ units: 4, intent_action: 'place_order', approval_id: testApprovalId('apr-ok-1') }),
      );
      expect(changed.json().reason).toBe('not_found');
      expect(local.calls).toHaveLength(0);

      const ok = await run(
        q.app,
        runBody({ units: 3, intent_action: 'place_order', approval_id: testApprovalId('apr-ok-1') }),
      );
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toMatchObject({
        mode: 'executed',
        execution: {
          approval_id: testApprovalId('apr-ok-1'),
          client_order_id: clientOrderIdFor(testApprovalId('apr-ok-1')),
          state: 'filled',
        },
      });
      expect(local.calls).toHaveLength(1);
      expect(local.calls[0]!.order).toEqual(plan.order);
      expect(local.calls[0]!.clientOrderId.length).toBeLessThanOrEqual(32);
      expect(local.calls[0]!.credentialRef).toBe(testCredentialRef('cred_ref_001'));

      // Replay: the approval is consumed.
      const replay = await run(
        q.app,
        runBody({ units: 3, intent_action: 'place_order', approval_id: testApprovalId('apr-ok-1') }),
      );
      expect(replay.statusCode).toBe(403);
      expect(local.calls).toHaveLength(1);
    } finally {
      await q.close();
    }
  });

  it('a verifier that says ok for another intent, or a plan failing a risk check, never executes', async () => {
    const liar: ApprovalVerifier = {
      async consume(req) {
        return { ok: true, approvalId: req.approvalId, intentHash: 'f'.repeat(64), consumedAt: 'now' };
      },
    };
    const yes: ApprovalVerifier = {
      async consume(req) {
        return { ok: true, approvalId: req.approvalId, intentHash: req.intentHash, consumedAt: 'now' };
      },
    };
    const local = spyExecutor();
    const a = await startPlantOn(p.testDb, { approvalVerifier: liar, orderExecutor: local.executor });
    const b = await startPlantOn(p.testDb, { approvalVerifier: yes, orderExecutor: local.executor });
    try {
      const lied = await run(
        a.app,
        runBody({ intent_action: 'place_order', approval_id: testApprovalId('apr-x') }),
      );
      expect(lied.json().reason).toBe('approval_invalid');
      const risky = await run(
        b.app,
        runBody({ units: 51, intent_action: 'place_order', approval_id: testApprovalId('apr-y') }),
      );
      expect(risky.statusCode).toBe(403);
      expect(risky.json().reason).toBe('risk_check_failed');
      expect(local.calls).toHaveLength(0);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('a plan that fails its risk re-check is refused before the approval is consumed: it stays usable', async () => {
    const consumed: string[] = [];
    const ledger: ApprovalVerifier = {
      async consume(req) {
        consumed.push(req.approvalId);
        return { ok: true, approvalId: req.approvalId, intentHash: req.intentHash, consumedAt: 'now' };
      },
    };
    const local = spyExecutor();
    const q = await startPlantOn(p.testDb, { approvalVerifier: ledger, orderExecutor: local.executor });
    try {
      const approvalId = testApprovalId('apr-risky');
      const risky = await run(
        q.app,
        runBody({ units: 51, intent_action: 'place_order', approval_id: approvalId }),
      );
      expect(risky.statusCode).toBe(403);
      expect(risky.json()).toMatchObject({ reason: 'risk_check_failed', hook: 'RiskCheckHook' });
      expect(consumed).toEqual([]);
      expect(local.calls).toHaveLength(0);
    } finally {
      await q.close();
    }
  });
});
