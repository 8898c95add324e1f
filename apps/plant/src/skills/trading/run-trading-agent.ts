import type { HookContext, PendingDecision, PolicyDecision } from '../../hooks/hook-bus.ts';
import { Refusal } from '../../refusal.ts';
import { planTrade, type RunTarget, resolveRunTarget } from './plan-trade.ts';
import type { DecisionRecords, RunDeps, RunInput, RunOutcome, RunScope, StepResult } from './run-types.ts';
import { denialOf, useTheTool } from './tool-use.ts';

export type { RunDeps, RunInput, RunOutcome } from './run-types.ts';

/**
 * One run of a trading reference agent, callable without HTTP (the route maps its outcome; a scheduler records
 * it). Draft (no intent_action): plan only, no side effect. Execute: the plan passes the hook bus at the tool use —
 * which re-checks the risk, then verifies and consumes the approval — before the executor is called. Every bus
 * decision leaves an audit record, and the run owns that in one place: `concludeRun` waits for the decisions on
 * every way out, and a run whose decisions are not on record answers `audit_unavailable` (nothing was sent: the
 * executor waits for the same records before it sends).
 */
export async function runTradingAgent(deps: RunDeps, input: RunInput): Promise<RunOutcome> {
  let target: RunTarget;
  try {
    target = await resolveRunTarget(deps, input.agentId, input.request);
  } catch (err) {
    // Refused before any decision: no agent, no hire, no such product.
    if (err instanceof Refusal) return { ok: false, refusal: err };
    throw err;
  }
  const { request, correlationId } = input;
  const ctx: HookContext = {
    correlationId,
    customerId: request.customer_id,
    agentId: input.agentId,
    hiredAgentId: target.hired.hired_agent_id,
    declaredIntentAction: request.intent_action,
    approvalId: request.approval_id,
    plan: undefined,
    executionId: request.intent_action === undefined ? undefined : deps.newId(),
  };
  const action = request.intent_action ?? 'draft_plan';
  const base = {
    correlation_id: correlationId,
    customer_id: request.customer_id,
    agent_id: input.agentId,
    hired_agent_id: target.hired.hired_agent_id,
    action,
  };
  const preRun = await deps.bus.decideThenRecord('pre_run', action, ctx);
  const scope: RunScope = {
    deps,
    input,
    target,
    ctx,
    decisions: decisionRecords(preRun),
    usage: (event) => deps.recordUsage({ ...base, ...event }),
  };
  return concludeRun(scope, () => afterPreRun(scope, preRun.decision));
}

/** The pre-run decision taken: refuse, draft, or go on to the tool use. */
async function afterPreRun(scope: RunScope, preRun: PolicyDecision): Promise<StepResult> {
  if (preRun.outcome !== 'allow') return denialOf(preRun);
  const { deps, input, target } = scope;
  const plan = await planTrade(deps, target, input.request, input.correlationId);
  if (input.request.intent_action === undefined) {
    return {
      kind: 'answer',
      response: {
        mode: 'draft',
        correlation_id: input.correlationId,
        decision_id: preRun.decision_id,
        plan,
        execution: null,
      },
      usage: {
        event_type: 'draft_plan',
        outcome: plan.approvable ? 'approvable' : 'not_approvable',
        details: { decision_id: preRun.decision_id, intent_hash: plan.intent_hash },
      },
    };
  }
  return useTheTool(scope, input.request.intent_action, plan);
}

/**
 * Every way out of the run ends here: the run's decisions on record (awaited, whatever the step came to), then
 * the step's usage event, then its outcome. A refusal from a step is its outcome; an unexpected failure is
 * thrown on — unless the decisions are not on record, which is what the caller hears about.
 */
async function concludeRun(scope: RunScope, step: () => Promise<StepResult>): Promise<RunOutcome> {
  let result: StepResult | undefined;
  let failure: unknown;
  try {
    result = await step();
  } catch (err) {
    if (err instanceof Refusal) result = { kind: 'refused', refusal: err };
    else failure = err;
  }
  const recorded = await scope.decisions.recorded().then(
    () => true,
    () => false,
  );
  if (!recorded) {
    // The executor refused for this very reason already, or it is what the caller hears about now.
    const refusal =
      result?.kind === 'refused' && result.refusal.code === 'audit_unavailable'
        ? result.refusal
        : new Refusal('audit_unavailable', 'The policy decision could not be recorded; nothing was sent.');
    return { ok: false, refusal };
  }
  if (!result) throw failure;
  if (result.usage) await scope.usage(result.usage);
  return result.kind === 'answer'
    ? { ok: true, response: result.response }
    : { ok: false, refusal: result.refusal };
}

function decisionRecords(preRun: PendingDecision): DecisionRecords {
  const pending = [preRun];
  const records: DecisionRecords = {
    add(decision) {
      pending.push(decision);
      return records.recorded();
    },
    recorded() {
      return Promise.all(pending.map((d) => d.record())).then(() => undefined);
    },
  };
  return records;
}
