import type { TDraftPlan, TRunResponse, TTradeRunRequest } from '@delta/contracts';
import { AppError } from '@delta/server-kit';
import type { UsageRecorder } from '../../audit/usage-events.ts';
import { clientOrderIdFor } from '../../execution/client-order-id.ts';
import type { HookBus, HookContext, PolicyDecision } from '../../hooks/hook-bus.ts';
import { QUOTA_REASONS } from '../../hooks/trading-hooks.ts';
import type { ExecuteOrderResult, OrderExecutor } from '../../integrations/order-executor.ts';
import { type PlanDeps, planTrade, recheckPlan, resolveRunTarget } from './plan-trade.ts';

export interface RunDeps extends PlanDeps {
  bus: HookBus;
  executor: OrderExecutor;
  recordUsage: UsageRecorder;
  /** Mints execution ids (one per execution run, known before the approval is consumed). */
  newId: () => string;
}

function denialError(decision: PolicyDecision): AppError {
  const extra = {
    decision_id: decision.decision_id,
    stage: decision.stage,
    action: decision.action,
    hook: decision.hook,
  };
  const message = typeof decision.details.message === 'string' ? decision.details.message : decision.reason;
  if (QUOTA_REASONS.has(decision.reason)) {
    const retry = decision.details.retry_after_s;
    const headers: Record<string, string> = typeof retry === 'number' ? { 'retry-after': String(retry) } : {};
    return new AppError(429, decision.reason, `The hired agent cannot run now: ${message}.`, {
      extra: { ...extra, retry_after_s: typeof retry === 'number' ? retry : null },
      headers,
    });
  }
  return new AppError(
    403,
    decision.reason,
    `Denied by policy (${decision.hook ?? 'hook bus'}): ${message}.`,
    {
      extra,
    },
  );
}

/**
 * One run of a trading reference agent. Draft (no intent_action): plan only, no side effect. Execute: the plan
 * passes the hook bus at the tool use — which re-checks the risk, then verifies and consumes the approval —
 * before the executor is called. Every path leaves a usage event; every bus decision leaves an audit record:
 * the pre-run decision is recorded on every way out of the run (the `catch` below), the tool-use decision with it.
 */
export async function runTradingAgent(
  deps: RunDeps,
  agentId: string,
  request: TTradeRunRequest,
  correlationId: string,
): Promise<TRunResponse> {
  if (request.correlation_id !== undefined && request.correlation_id !== correlationId) {
    throw AppError.validation([
      {
        path: 'correlation_id',
        code: 'correlation_mismatch',
        message: 'must equal the X-Correlation-ID header of the request (or be omitted)',
      },
    ]);
  }
  const target = await resolveRunTarget(deps, agentId, request);
  const action = request.intent_action ?? 'draft_plan';
  const ctx: HookContext = {
    correlationId,
    customerId: request.customer_id,
    agentId,
    hiredAgentId: target.hired.hired_agent_id,
    declaredIntentAction: request.intent_action,
    approvalId: request.approval_id,
    plan: undefined,
    executionId: request.intent_action === undefined ? undefined : deps.newId(),
  };
  const usageBase = {
    correlation_id: correlationId,
    customer_id: request.customer_id,
    agent_id: agentId,
    hired_agent_id: target.hired.hired_agent_id,
    action,
  };
  const usage = (event: Omit<Parameters<UsageRecorder>[0], keyof typeof usageBase>) =>
    deps.recordUsage({ ...usageBase, ...event });
  const deny = async (decision: PolicyDecision): Promise<never> => {
    await usage({
      event_type: 'denied',
      outcome: decision.reason,
      details: { decision_id: decision.decision_id, stage: decision.stage },
    });
    throw denialError(decision);
  };

  // The decisions are recorded together (one write) once the tool use is decided, and that write is awaited
  // before anything is sent to the exchange and before any answer: an order never leaves without the decisions
  // that allowed it on record.
  const preRun = await deps.bus.decideThenRecord('pre_run', action, ctx);
  try {
    if (preRun.decision.outcome !== 'allow') {
      await preRun.record();
      return await deny(preRun.decision);
    }
    const plan = await planTrade(deps, target, request, correlationId);
    if (request.intent_action === undefined) {
      await preRun.record();
      await usage({
        event_type: 'draft_plan',
        outcome: plan.approvable ? 'approvable' : 'not_approvable',
        details: { decision_id: preRun.decision.decision_id, intent_hash: plan.intent_hash },
      });
      return {
        mode: 'draft',
        correlation_id: correlationId,
        decision_id: preRun.decision.decision_id,
        plan,
        execution: null,
      };
    }

    ctx.plan = plan;
    const toolUse = await deps.bus.decideThenRecord('pre_tool_use', request.intent_action, ctx);
    const decisionsRecorded = Promise.all([preRun.record(), toolUse.record()]).then(() => undefined);
    // Awaited below (or by the executor first); this only keeps an early failure from going unhandled meanwhile.
    decisionsRecorded.catch(() => {});
    if (toolUse.decision.outcome !== 'allow') {
      await decisionsRecorded;
      const replay = await replayOfRecorded(deps, request, plan, toolUse.decision);
      if (replay) {
        await usage({
          event_type: 'execution_replayed',
          outcome: replay.result.state,
          details: { decision_id: toolUse.decision.decision_id, client_order_id: replay.clientOrderId },
        });
        return {
          mode: 'executed',
          correlation_id: correlationId,
          decision_id: toolUse.decision.decision_id,
          plan,
          execution: {
            ...executionView(request.approval_id!, replay.clientOrderId, replay.result),
            replayed: true,
          },
        };
      }
      return await deny(toolUse.decision);
    }
    const approval = ctx.consumedApproval;
    if (!approval || approval.approvalId !== request.approval_id || !ctx.executionId) {
      // Unreachable with the registered hooks; refuse rather than trade if the hook set is ever miswired.
      throw new AppError(
        500,
        'policy_misconfigured',
        'The policy allowed a trade without a consumed approval.',
      );
    }

    // What may have changed while the approval was being consumed is checked again, alongside the keys being
    // opened; the executor sends nothing unless it passes (and records why not).
    const stillApprovable = recheckPlan(deps, agentId, request, plan, correlationId);
    const clientOrderId = clientOrderIdFor(approval.approvalId);
    const details = { decision_id: toolUse.decision.decision_id, client_order_id: clientOrderId };
    let result: ExecuteOrderResult;
    try {
      result = await deps.executor.execute({
        executionId: ctx.executionId,
        order: plan.order,
        clientOrderId,
        approvalId: approval.approvalId,
        credentialRef: target.setup.credential_ref,
        exchangeAccountId: request.exchange_account_id,
        plan,
        correlationId,
        bundle: approval.bundle,
        decisionsRecorded,
        stillApprovable,
      });
    } catch (err) {
      // A failed decision record already made the executor refuse; this error is the one to report.
      await decisionsRecorded.catch(() => {});
      await usage({ event_type: 'execution', outcome: 'error', details });
      throw err;
    }
    await decisionsRecorded;
    await usage({
      event_type: 'execution',
      outcome: result.state,
      details: { ...details, exchange_order_id: result.exchangeOrderId },
    });
    return {
      mode: 'executed',
      correlation_id: correlationId,
      decision_id: toolUse.decision.decision_id,
      plan,
      execution: executionView(approval.approvalId, clientOrderId, result),
    };
  } catch (err) {
    // Every way out of the run, a failure included, has its pre-run decision on record; a decision that cannot
    // be recorded is what the caller hears about (nothing was sent: the executor waits for the record).
    const unrecorded = await preRun.record().then(
      () => false,
      () => true,
    );
    if (unrecorded && !(err instanceof AppError && err.reason === 'audit_unavailable')) {
      throw new AppError(
        503,
        'audit_unavailable',
        'The policy decision could not be recorded; nothing was sent.',
      );
    }
    throw err;
  }
}

/** A used approval replayed with the SAME intent gets the recorded execution — never a second order. */
async function replayOfRecorded(
  deps: RunDeps,
  request: TTradeRunRequest,
  plan: TDraftPlan,
  decision: PolicyDecision,
) {
  if (decision.reason !== 'already_consumed' || !request.approval_id || !deps.executor.findExecution) return;
  const recorded = await deps.executor.findExecution(request.approval_id);
  if (recorded && recorded.intentHash === plan.intent_hash && recorded.customerId === request.customer_id) {
    return recorded;
  }
  return undefined;
}

function executionView(approvalId: string, clientOrderId: string, r: ExecuteOrderResult) {
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
