/**
 * The brake: a paused agent takes no new entry — a draft of one is not approvable, an approval minted before the
 * pause is refused (`agent_paused`) and kept — while exits still run, so the account can be flattened. Resumed,
 * the kept approval executes. Every pause and resume is on Plant's audit record with who and why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT, approve, execute, type Onboarded, onboard, runBody } from './runbook-helpers.ts';
import { type Session, type Stack, signIn, startStack } from './stack.ts';

let stack: Stack;
let ops: Session;
let acct: Onboarded;

beforeAll(async () => {
  stack = await startStack();
  ops = await signIn(stack, 'operator');
  acct = await onboard(stack, ops, { balance: 5_000_000 });
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

const pause = (reason: unknown) =>
  ops.call<{ paused: { reason: string; by: string; at: string } | null; reason?: string }>(
    'POST',
    `/api/hired-agents/${acct.hiredAgentId}/pause`,
    { reason },
  );

describe('pause and resume', () => {
  it('stops new entries, keeps their approvals, lets exits run, and resumes', async () => {
    const opened = await execute(ops, acct, { units: 2 }, await approve(ops, acct, { units: 2 }));
    expect(opened.body.execution?.state).toBe('filled');
    const before = await approve(ops, acct, { units: 1 });

    const paused = await pause('news at 14:00');
    expect(paused.status, JSON.stringify(paused.body)).toBe(200);
    expect(paused.body.paused).toMatchObject({ reason: 'news at 14:00', by: expect.stringContaining('ops') });
    // Pausing again keeps the first pause.
    expect((await pause('again')).body.paused?.reason).toBe('news at 14:00');

    const draft = await ops.call<{
      plan: { approvable: boolean; risk_checks: { check: string; passed: boolean }[] };
    }>('POST', `/api/reference-agents/${AGENT}/run`, runBody(acct, { units: 1 }));
    expect(draft.body.plan.approvable).toBe(false);
    expect(draft.body.plan.risk_checks.find((c) => c.check === 'run_quota')?.passed).toBe(false);
    const mint = await ops.call<{ reason: string }>('POST', '/api/approvals', {
      agent_id: AGENT,
      run: runBody(acct, { units: 1 }),
      consent: { channel: 'phone', reference: 'call' },
    });
    expect(mint.status).toBe(409);
    expect(mint.body.reason).toBe('plan_not_approvable');

    const refused = await execute(ops, acct, { units: 1 }, before);
    expect(refused.status, JSON.stringify(refused.body)).toBe(403);
    expect(refused.body.reason).toBe('agent_paused');
    expect((await ops.call<{ state: string }>('GET', `/api/approvals/${before}`)).body.state).toBe('pending');

    // Exits are never kept from the exchange.
    const exit = await execute(
      ops,
      acct,
      { units: 1, action: 'exit' },
      await approve(ops, acct, { units: 1, action: 'exit' }),
    );
    expect(exit.status, JSON.stringify(exit.body)).toBe(200);
    expect(exit.body.execution?.state).toBe('filled');

    const resumed = await ops.call<{ paused: unknown }>(
      'POST',
      `/api/hired-agents/${acct.hiredAgentId}/resume`,
      {},
    );
    expect(resumed.status).toBe(200);
    expect(resumed.body.paused).toBeNull();
    const after = await execute(ops, acct, { units: 1 }, before);
    expect(after.status, JSON.stringify(after.body)).toBe(200);
    expect(after.body.execution?.state).toBe('filled');

    const audit = await stack.dbs.plant.db.query<{ kind: string; details: { reason?: string } }>(
      `SELECT kind, details FROM audit_log WHERE hired_agent_id = $1 AND kind LIKE 'hired_agent.%' ORDER BY seq`,
      [acct.hiredAgentId],
    );
    expect(audit.rows.map((r) => r.kind)).toEqual([
      'hired_agent.paused',
      'hired_agent.paused',
      'hired_agent.resumed',
    ]);
    expect(audit.rows[0]!.details.reason).toBe('news at 14:00');
  });

  it('refuses a pause without a reason, or with a bad one, naming the field', async () => {
    for (const bad of ['', '   ', 'x'.repeat(201), 42, null]) {
      const r = await pause(bad);
      expect(r.status, JSON.stringify(bad)).toBe(422);
      expect(JSON.stringify(r.body)).toContain('reason');
    }
    const unknown = await ops.call<{ reason: string }>(
      'POST',
      '/api/hired-agents/00000000-0000-4000-8000-000000000000/pause',
      { reason: 'x' },
    );
    expect(unknown.status).toBe(404);
  });
});
