import { randomUUID } from 'node:crypto';
import { refusalStatus, type TTradeRunRequest, ZTradeRunRequest } from '@delta/contracts';
import { testApprovalId, testCustomerId } from '@delta/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileReferenceAgents, REFERENCE_AGENT_SPECS } from '../src/agent-mold/reference-agents.ts';
import { createStaticMarketData, fixedPrices } from '../src/integrations/market-data.ts';
import { loadPlaybooks, PLAYBOOKS_DIR } from '../src/playbooks/playbook-loader.ts';
import { createRunService } from '../src/run-service.ts';
import { type RunDeps, runTradingAgent } from '../src/skills/trading/run-trading-agent.ts';
import { AGENT, hire, type PlantTestApp, PRICES, runBody, startPlant } from './plant-test-app.ts';

/**
 * The run is a service: called with no HTTP request around it (as the scheduler will), it answers with an outcome
 * — a response, or a refusal with a catalogue code — and keeps every record a run through the route keeps.
 */
let p: PlantTestApp;
let deps: RunDeps;
const CUSTOMER = testCustomerId('cust-service');

beforeAll(async () => {
  p = await startPlant();
  await hire(p.app, CUSTOMER);
  const db = p.testDb.db;
  const registry = compileReferenceAgents(REFERENCE_AGENT_SPECS, loadPlaybooks(PLAYBOOKS_DIR));
  const marketData = createStaticMarketData(fixedPrices(PRICES));
  const now = () => new Date();
  deps = createRunService({
    db,
    registry,
    marketData,
    hiredAgents: { db, registry, marketData, newId: randomUUID, now },
    newId: randomUUID,
    now,
  });
});
afterAll(() => p.close());

const request = (overrides: Record<string, unknown> = {}): TTradeRunRequest =>
  ZTradeRunRequest.parse(runBody({ customer_id: CUSTOMER, ...overrides }));

async function recordsOf(correlationId: string) {
  const audit = await p.testDb.db.query<{ stage: string; outcome: string; reason: string }>(
    `SELECT stage, outcome, reason FROM audit_log WHERE kind = 'policy_decision' AND correlation_id = $1 ORDER BY seq`,
    [correlationId],
  );
  const usage = await p.testDb.db.query<{ event_type: string; outcome: string }>(
    'SELECT event_type, outcome FROM usage_events WHERE correlation_id = $1',
    [correlationId],
  );
  return { decisions: audit.rows, usage: usage.rows };
}

describe('the run without HTTP', () => {
  it('drafts under the correlation id its caller names, with the decision and the usage on record', async () => {
    const correlationId = randomUUID();
    const outcome = await runTradingAgent(deps, { agentId: AGENT, request: request(), correlationId });
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.response).toMatchObject({ mode: 'draft', correlation_id: correlationId, execution: null });
    expect(outcome.response.plan.approvable).toBe(true);
    expect(await recordsOf(correlationId)).toEqual({
      decisions: [{ stage: 'pre_run', outcome: 'allow', reason: 'all_hooks_allowed' }],
      usage: [{ event_type: 'draft_plan', outcome: 'approvable' }],
    });
  });

  it('answers a denial as a refusal with its catalogue code (never a thrown HTTP error), on record', async () => {
    const correlationId = randomUUID();
    const outcome = await runTradingAgent(deps, {
      agentId: AGENT,
      request: request({ intent_action: 'place_order' }),
      correlationId,
    });
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.refusal).toMatchObject({ code: 'approval_required', byPolicy: true });
    expect(outcome.refusal.facts).toMatchObject({ stage: 'pre_run', hook: 'ApprovalRequiredHook' });
    expect(refusalStatus(outcome.refusal.code, outcome.refusal.byPolicy)).toBe(403);
    expect(await recordsOf(correlationId)).toEqual({
      decisions: [{ stage: 'pre_run', outcome: 'deny', reason: 'approval_required' }],
      usage: [{ event_type: 'denied', outcome: 'approval_required' }],
    });
  });

  it('refuses before any decision when there is nothing to run (no hire), and says so the same way', async () => {
    const correlationId = randomUUID();
    const outcome = await runTradingAgent(deps, {
      agentId: AGENT,
      request: request({ customer_id: testCustomerId('cust-nobody') }),
      correlationId,
    });
    expect(outcome).toMatchObject({ ok: false, refusal: { code: 'hired_agent_not_found', byPolicy: false } });
    expect(await recordsOf(correlationId)).toEqual({ decisions: [], usage: [] });
  });

  it('an approved-looking execute with no ledger wired is refused by the policy, nothing executed', async () => {
    const correlationId = randomUUID();
    const outcome = await runTradingAgent(deps, {
      agentId: AGENT,
      request: request({ intent_action: 'place_order', approval_id: testApprovalId('apr-service') }),
      correlationId,
    });
    expect(outcome).toMatchObject({ ok: false, refusal: { code: 'approval_invalid', byPolicy: true } });
    const { decisions } = await recordsOf(correlationId);
    expect(decisions.map((d) => [d.stage, d.outcome])).toEqual([
      ['pre_run', 'allow'],
      ['pre_tool_use', 'deny'],
    ]);
  });
});
