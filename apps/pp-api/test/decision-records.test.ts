import { clientOrderIdFor } from '@delta/plant/src/execution/client-order-id.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approve, execute, type Onboarded, onboard } from './runbook-helpers.ts';
import { type Session, type Stack, signIn, startStack } from './stack.ts';

/**
 * Plant writes each policy decision's audit record while the run goes on (the approval is consumed, the keys
 * opened) and waits for those writes before the order leaves. Here the audit log refuses one decision's record
 * (a trigger standing in for a full disk): the order must not leave, and the execution says why.
 */
let stack: Stack;
let ops: Session;
let acct: Onboarded;

beforeAll(async () => {
  stack = await startStack();
  ops = await signIn(stack, 'operator');
  acct = await onboard(stack, ops, { name: 'Decision-record customer' });
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

async function refuseAuditOf(stage: 'pre_run' | 'pre_tool_use', run: () => Promise<void>) {
  const db = stack.dbs.plant.db;
  await db.exec(`
    CREATE FUNCTION test_refuse_decision() RETURNS trigger AS $$
    BEGIN
      IF NEW.kind = 'policy_decision' AND NEW.stage = '${stage}' AND NEW.outcome = 'allow' THEN
        RAISE EXCEPTION 'audit storage unavailable (test)';
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql;
    CREATE TRIGGER test_refuse_decision BEFORE INSERT ON audit_log
      FOR EACH ROW EXECUTE FUNCTION test_refuse_decision();
  `);
  try {
    await run();
  } finally {
    await db.exec(`
      DROP TRIGGER test_refuse_decision ON audit_log;
      DROP FUNCTION test_refuse_decision();
    `);
  }
}

describe('an order never leaves without the decisions that allowed it on record', () => {
  for (const stage of ['pre_run', 'pre_tool_use'] as const) {
    it(`the ${stage} decision cannot be recorded: 503 audit_unavailable, nothing sent, execution rejected`, async () => {
      const approvalId = await approve(ops, acct, { units: 1 });
      await refuseAuditOf(stage, async () => {
        const r = await execute(ops, acct, { units: 1 }, approvalId);
        expect(r.status).toBe(503);
        expect(r.body.reason).toBe('audit_unavailable');
      });
      expect(await stack.paper.ordersByClientId(clientOrderIdFor(approvalId))).toHaveLength(0);
      const rows = await stack.dbs.plant.db.query<{ state: string; reason: string | null }>(
        'SELECT state, reason FROM executions WHERE approval_id = $1',
        [approvalId],
      );
      expect(rows.rows).toEqual([{ state: 'rejected', reason: 'audit_unavailable' }]);
      // The approval was spent on the refused attempt: replaying it answers with that record, never an order.
      const again = await execute(ops, acct, { units: 1 }, approvalId);
      expect(again.status).toBe(200);
      expect(again.body.execution).toMatchObject({ state: 'rejected', replayed: true });
      expect(await stack.paper.ordersByClientId(clientOrderIdFor(approvalId))).toHaveLength(0);
    });
  }

  it('with the audit log healthy, both decisions are on record for the execution that was sent', async () => {
    const approvalId = await approve(ops, acct, { units: 1 });
    const r = await execute(ops, acct, { units: 1 }, approvalId);
    expect(r.status).toBe(200);
    expect(await stack.paper.ordersByClientId(clientOrderIdFor(approvalId))).toHaveLength(1);
    const decisions = await stack.dbs.plant.db.query<{ stage: string; outcome: string }>(
      `SELECT stage, outcome FROM audit_log WHERE kind = 'policy_decision' AND correlation_id = $1 ORDER BY seq`,
      [r.body.correlation_id],
    );
    expect(decisions.rows).toEqual([
      { stage: 'pre_run', outcome: 'allow' },
      { stage: 'pre_tool_use', outcome: 'allow' },
    ]);
  });
});
