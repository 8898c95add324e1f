import { clientOrderIdFor } from '@delta/plant/src/execution/client-order-id.ts';
import { deferred } from '@delta/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approve, execute, type Onboarded, onboard } from './runbook-helpers.ts';
import { type Session, type Stack, signIn, startStack } from './stack.ts';

/**
 * What happens around the approval's consumption, where the customer's approval is used up: Plant runs as its
 * own process (so it can be killed), and its calls to PP's internal API pass a holding proxy (so a consumption
 * can take effect at PP while Plant has not heard back).
 */
let stack: Stack;
let ops: Session;
let acct: Onboarded;

beforeAll(async () => {
  stack = await startStack({
    plantProcess: true,
    portalProxy: true,
    plantEnv: { PLANT_ATTEMPT_LEASE_S: '3' },
  });
  ops = await signIn(stack, 'operator');
  acct = await onboard(stack, ops, { name: 'Consumption customer', maxUnits: 10 });
}, 240_000);
afterAll(async () => {
  await stack?.close();
});

interface ExecutionView {
  approval_id: string;
  action: string;
  state: string;
  reason: string | null;
  exchange_order_id: string | null;
}

async function executionOf(approvalId: string): Promise<ExecutionView | undefined> {
  const r = await ops.call<{ items: ExecutionView[] }>(
    'GET',
    `/api/executions?customer_id=${acct.customerId}`,
  );
  return r.body.items.find((e) => e.approval_id === approvalId);
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function setSetup(change: { allowed_coins?: string[]; max_units_per_order?: number }) {
  const hired = await ops.call<{ setup: Record<string, unknown> & { risk_limits: Record<string, unknown> } }>(
    'GET',
    `/api/hired-agents/${acct.hiredAgentId}`,
  );
  const setup = hired.body.setup;
  const r = await ops.call('PUT', `/api/hired-agents/${acct.hiredAgentId}/setup`, {
    setup: {
      ...setup,
      ...(change.allowed_coins ? { allowed_coins: change.allowed_coins } : {}),
      risk_limits: {
        ...setup.risk_limits,
        ...(change.max_units_per_order ? { max_units_per_order: change.max_units_per_order } : {}),
      },
    },
  });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
}

describe('an approval consumed by a request that died before recording anything', () => {
  it('is found after a restart and shown as consumed, not executed, with nothing sent', async () => {
    const approvalId = await approve(ops, acct, { units: 1 });
    const consumedAtPp = deferred();
    const never = deferred();
    // PP consumes the approval; its answer never reaches Plant, which is killed meanwhile.
    stack.portalProxy!.hold({
      path: '/internal/v1/approvals/consume',
      after: async () => {
        consumedAtPp.resolve();
        await never.promise;
      },
      times: 1,
    });
    const inFlight = execute(ops, acct, { units: 1 }, approvalId).catch(() => null);
    await consumedAtPp.promise;
    const atPp = await ops.call<{ state: string }>('GET', `/api/approvals/${approvalId}`);
    expect(atPp.body.state).toBe('consumed');
    await stack.plantProcess!.kill('SIGKILL');
    expect((await inFlight)?.status).toBe(502);
    never.resolve();
    stack.portalProxy!.clear();

    await stack.plantProcess!.restart();
    const settled = await until('the reconciler to explain the consumption', async () => {
      const e = await executionOf(approvalId);
      return e?.state === 'rejected' ? e : undefined;
    });
    expect(settled).toMatchObject({ reason: 'consumed_not_executed', exchange_order_id: null });
    expect(await stack.paper.ordersByClientId(clientOrderIdFor(approvalId))).toHaveLength(0);

    // On record: the usage event the portals show, and the audit record with its reason.
    const events = await ops.call<{
      items: { event_type: string; outcome: string; details: { reason: string } }[];
    }>('GET', `/api/usage-events?customer_id=${acct.customerId}&event_type=execution_settled`);
    expect(events.body.items).toContainEqual(
      expect.objectContaining({
        outcome: 'rejected',
        details: expect.objectContaining({ reason: 'consumed_not_executed' }),
      }),
    );
    // And on Plant's audit chain, as the Audit page shows it, with the portal's record of the consumption.
    const audit = await ops.call<{ items: { source: string; kind: string; reason: string | null }[] }>(
      'GET',
      `/api/audit/records?customer_id=${acct.customerId}&reason=consumed_not_executed`,
    );
    expect(audit.body.items).toContainEqual(
      expect.objectContaining({ source: 'plant', kind: 'execution.consumed_not_executed' }),
    );
    // The approval replayed answers with that record; nothing is ever sent for it.
    const replay = await execute(ops, acct, { units: 1 }, approvalId);
    expect(replay.status).toBe(200);
    expect(replay.body.execution).toMatchObject({
      state: 'rejected',
      reason: 'consumed_not_executed',
      replayed: true,
    });
    expect(await stack.paper.ordersByClientId(clientOrderIdFor(approvalId))).toHaveLength(0);
  });
});

describe('the risk re-check after the approval was consumed', () => {
  it('refuses what the setup no longer allows (changed while the approval was being consumed), nothing sent', async () => {
    const approvalId = await approve(ops, acct, { units: 3 });
    // The pre-check passes; while the consumption is on its way, ops lower the limit below the trade.
    stack.portalProxy!.hold({
      path: '/internal/v1/approvals/consume',
      before: () => setSetup({ max_units_per_order: 2 }),
      times: 1,
    });
    const r = await execute(ops, acct, { units: 3 }, approvalId);
    expect(r.status, JSON.stringify(r.body)).toBe(409);
    expect(r.body.reason).toBe('risk_check_failed');
    expect(r.body.failed_checks).toEqual(['max_units_per_order']);
    expect(await stack.paper.ordersByClientId(clientOrderIdFor(approvalId))).toHaveLength(0);
    expect(await executionOf(approvalId)).toMatchObject({ state: 'rejected', reason: 'risk_check_failed' });
    await setSetup({ max_units_per_order: 10 });
  });
});

describe('an exit is never kept from the exchange by the limits on adding risk', () => {
  it('closes a position after its coin left allowed_coins and the unit limit fell below its size', async () => {
    const entry = await approve(ops, acct, { coin: 'ETH', units: 4 });
    expect((await execute(ops, acct, { coin: 'ETH', units: 4 }, entry)).status).toBe(200);
    await setSetup({ allowed_coins: ['BTC'], max_units_per_order: 1 });

    const exitTrade = { coin: 'ETH' as const, units: 4, action: 'exit' as const };
    const exit = await approve(ops, acct, exitTrade);
    const r = await execute(ops, acct, exitTrade, exit);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.execution).toMatchObject({ state: 'filled', size: 4 });
    const checks = (r.body.plan as { risk_checks: { check: string; passed: boolean; reason: string }[] })
      .risk_checks;
    expect(checks.find((c) => c.check === 'coin_allowed')).toMatchObject({ passed: true });
    expect(checks.find((c) => c.check === 'coin_allowed')?.reason).toContain('an exit only reduces');
    expect(checks.find((c) => c.check === 'max_units_per_order')).toMatchObject({ passed: true });

    // The position is flat now; replaying the exit's approval answers with its record, not a refusal.
    const replay = await execute(ops, acct, exitTrade, exit);
    expect(replay.status).toBe(200);
    expect(replay.body.execution).toMatchObject({ state: 'filled', replayed: true });

    // An entry on the coin that left allowed_coins is refused as before.
    const entryAgain = await ops.call<{ reason: string }>('POST', '/api/approvals', {
      agent_id: 'AGT-TRD-DELTA-001',
      run: {
        customer_id: acct.customerId,
        exchange_account_id: acct.credentialRef,
        coin: 'ETH',
        units: 1,
        side: 'long',
        action: 'enter',
        market: true,
      },
      consent: { channel: 'phone', reference: 'test' },
    });
    expect(entryAgain.status).toBe(409);
    expect(entryAgain.body.reason).toBe('plan_not_approvable');
    await setSetup({ allowed_coins: ['BTC', 'ETH'], max_units_per_order: 10 });
  });
});
