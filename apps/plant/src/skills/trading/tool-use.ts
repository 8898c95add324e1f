import {
  isPolicyRefusalCode,
  refusalStatus,
  type TDraftPlan,
  type TRunExecution,
  type TTradeAction,
} from '@delta/contracts';
import { clientOrderIdFor } from '../../execution/client-order-id.ts';
import type { PolicyDecision } from '../../hooks/hook-bus.ts';
import type { ExecuteOrderResult } from '../../integrations/order-executor.ts';
import { Refusal } from '../../refusal.ts';
import { recheckPlan } from './plan-trade.ts';
import type { RunScope, StepResult } from './run-types.ts';

/**
 * The tool use of an execute run: the bus decides (re-checks the risk, then verifies and consumes the approval);
 * allowed, the executor acts — with the plan re-checked after the consumption alongside, and the bundle that came
 * with the consumption; denied, a replay of an executed approval answers with its record, anything else is the
 * denial.
 */
export async function useTheTool(
  scope: RunScope,
  intentAction: TTradeAction,
  plan: TDraftPlan,
): Promise<StepResult> {
  const { deps, input, ctx } = scope;
  ctx.plan = plan;
  const toolUse = await deps.bus.decideThenRecord('pre_tool_use', intentAction, ctx);
  // Both decisions are written together, and that write is awaited before anything is sent to the exchange (the
  // executor waits for it) and before any answer (the run's conclusion does).
  const decisionsRecorded = scope.decisions.add(toolUse);
  // Awaited by the executor or the conclusion; this only keeps an early failure from going unhandled meanwhile.
  decisionsRecorded.catch(() => {});
  const decision = toolUse.decision;
  if (decision.outcome !== 'allow') {
    const replay = await replayOfRecorded(scope, plan, decision);
    if (!replay) return denialOf(decision);
    return {
      kind: 'answer',
      response: {
        mode: 'executed',
        correlation_id: input.correlationId,
        decision_id: decision.decision_id,
        plan,
        execution: {
          ...executionView(input.request.approval_id!, replay.clientOrderId, replay.result),
          replayed: true,
        },
      },
      usage: {
        event_type: 'execution_replayed',
        outcome: replay.result.state,
        details: { decision_id: decision.decision_id, client_order_id: replay.clientOrderId },
      },
    };
  }
  const approval = ctx.consumedApproval;
  if (!approval || approval.approvalId !== input.request.approval_id || !ctx.executionId) {
    // Unreachable with the registered hooks; refuse rather than trade if the hook set is ever miswired.
    throw new Refusal('policy_misconfigured', 'The policy allowed a trade without a consumed approval.');
  }

  // What may have changed while the approval was being consumed is checked again, alongside the keys being
  // opened; the executor sends nothing unless it passes (and records why not).
  const stillApprovable = recheckPlan(deps, input.agentId, input.request, plan, input.correlationId);
  const clientOrderId = clientOrderIdFor(approval.approvalId);
  const details = { decision_id: decision.decision_id, client_order_id: clientOrderId };
  let result: ExecuteOrderResult;
  try {
    result = await deps.executor.execute({
      executionId: ctx.executionId,
      order: plan.order,
      clientOrderId,
      approvalId: approval.approvalId,
      credentialRef: scope.target.setup.credential_ref,
      plan,
      correlationId: input.correlationId,
      bundle: approval.bundle,
      decisionsRecorded,
      stillApprovable,
    });
  } catch (err) {
    // The execution itself is recorded (or refused) whatever became of the decisions: say so in the usage.
    await decisionsRecorded.catch(() => {});
    await scope.usage({ event_type: 'execution', outcome: 'error', details });
    throw err;
  }
  return {
    kind: 'answer',
    response: {
      mode: 'executed',
      correlation_id: input.correlationId,
      decision_id: decision.decision_id,
      plan,
      execution: executionView(approval.approvalId, clientOrderId, result),
    },
    usage: {
      event_type: 'execution',
      outcome: result.state,
      details: { ...details, exchange_order_id: result.exchangeOrderId },
    },
  };
}

/**
 * A denial by the hook bus, as the run's refusal: the decision that denied among its facts. A limit on runs
 * (the catalogue's 429) says when to try again.
 */
export function denialOf(decision: PolicyDecision): StepResult {
  // The trading hooks deny only with catalogued policy codes; anything else is a hook misbehaving.
  const code = isPolicyRefusalCode(decision.reason) ? decision.reason : 'hook_error';
  const facts = {
    decision_id: decision.decision_id,
    stage: decision.stage,
    action: decision.action,
    hook: decision.hook,
  };
  const message = typeof decision.details.message === 'string' ? decision.details.message : decision.reason;
  const usage = {
    event_type: 'denied' as const,
    outcome: decision.reason,
    details: { decision_id: decision.decision_id, stage: decision.stage },
  };
  if (refusalStatus(code, true) === 429) {
    const retry = decision.details.retry_after_s;
    const retryAfterS = typeof retry === 'number' ? retry : undefined;
    const refusal = Refusal.denied(code, `The hired agent cannot run now: ${message}.`, {
      facts: { ...facts, retry_after_s: retryAfterS ?? null },
      ...(retryAfterS === undefined ? {} : { retryAfterS }),
    });
    return { kind: 'refused', refusal, usage };
  }
  const refusal = Refusal.denied(code, `Denied by policy (${decision.hook ?? 'hook bus'}): ${message}.`, {
    facts,
  });
  return { kind: 'refused', refusal, usage };
}

/** A used approval replayed with the SAME intent gets the recorded execution — never a second order. */
async function replayOfRecorded(scope: RunScope, plan: TDraftPlan, decision: PolicyDecision) {
  const { deps, input } = scope;
  const approvalId = input.request.approval_id;
  if (decision.reason !== 'already_consumed' || !approvalId || !deps.executor.findExecution) return;
  const recorded = await deps.executor.findExecution(approvalId);
  if (
    recorded &&
    recorded.intentHash === plan.intent_hash &&
    recorded.customerId === input.request.customer_id
  ) {
    return recorded;
  }
  return undefined;
}

export function executionView(
  approvalId: string,
  clientOrderId: string,
  r: ExecuteOrderResult,
): TRunExecution {
  return {
    approval_id: approvalId,
    client_order_id: clientOrderId,
    exchange_order_id: r.exchangeOrderId,
    state: r.state,
    size: r.size ?? null,
    filled_size: r.filledSize ?? null,
    average_fill_price: r.averageFillPrice ?? null,
    fees: r.fees ?? null,
    reason: r.reason ?? null,
  };
}
