import {
  INTENT_ACTION_FOR,
  type TAgentSetup,
  type TRunResponse,
  type TTradeRunRequest,
} from '@delta/contracts';
import { AppError, type Queryable } from '@delta/server-kit';
import type { ReferenceAgentRegistry } from '../../agent-mold/reference-agents.ts';
import { sha256Hex } from '../../audit/canonical-json.ts';
import type { UsageRecorder } from '../../audit/usage-events.ts';
import { findHiredAgent } from '../../db/hired-agents-repository.ts';
import type { HookBus, HookContext, PendingDecision, PolicyDecision } from '../../hooks/hook-bus.ts';
import { QUOTA_ACTIONS, QUOTA_REASONS, type RunQuotaVerdict } from '../../hooks/trading-hooks.ts';
import type { MarketData } from '../../integrations/market-data.ts';
import type { OrderExecutor } from '../../integrations/order-executor.ts';
import { type PositionReader, PositionUnavailableError } from '../../integrations/position-reader.ts';
import { buildDraftPlan } from './draft-plan.ts';

export interface RunDeps {
  db: Queryable;
  registry: ReferenceAgentRegistry;
  marketData: MarketData;
  bus: HookBus;
  executor: OrderExecutor;
  recordUsage: UsageRecorder;
  /** Whether the hire could take a run now, without taking one (shown on a draft of an entry). */
  runQuotaStatus: (hiredAgentId: string) => Promise<RunQuotaVerdict>;
  /** Reads the open position an exit reduces (through the portal that keeps the key); absent = not checked here. */
  positionReader?: PositionReader;
  inrPerUsd: string;
}

/** Delta limits client_order_id to 32 characters; derived from the approval so a retry finds the same order. */
export function clientOrderIdFor(approvalId: string): string {
  return `ap${sha256Hex(`client-order/${approvalId}`).slice(0, 30)}`;
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
 * passes the hook bus at the tool use — which verifies and consumes the approval — before the executor is called.
 * Every path leaves a usage event; every bus decision leaves an audit record (the bus records it).
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
  const agent = deps.registry.get(agentId);
  if (!agent) throw AppError.notFound('agent_not_found', `No reference agent ${agentId}.`);
  if (agent.agent_type !== 'trading') {
    throw AppError.badRequest('unsupported_agent_type', `${agentId} does not take trade intents.`);
  }
  const hired = await findHiredAgent(deps.db, request.customer_id, agentId);
  if (!hired) {
    throw AppError.notFound(
      'hired_agent_not_found',
      `Customer ${request.customer_id} has not hired ${agentId}.`,
    );
  }
  const setup = hired.setup as TAgentSetup;
  const product = await deps.marketData.productForCoin(request.coin);
  if (!product) {
    throw AppError.validation([
      {
        path: 'coin',
        code: 'unknown_coin',
        message: `${request.coin} is not a product in the exchange's catalogue`,
      },
    ]);
  }

  const action = request.intent_action ?? 'draft_plan';
  const ctx: HookContext = {
    correlationId,
    customerId: request.customer_id,
    agentId,
    hiredAgentId: hired.hired_agent_id,
    declaredIntentAction: request.intent_action,
    approvalId: request.approval_id,
    plan: undefined,
  };
  const usageBase = {
    correlation_id: correlationId,
    customer_id: request.customer_id,
    agent_id: agentId,
    hired_agent_id: hired.hired_agent_id,
    action,
  };
  const deny = async (decision: PolicyDecision): Promise<never> => {
    await deps.recordUsage({
      ...usageBase,
      event_type: 'denied',
      outcome: decision.reason,
      details: { decision_id: decision.decision_id, stage: decision.stage },
    });
    throw denialError(decision);
  };

  // The decisions are recorded together (one write) once the tool use is decided, and that write is awaited
  // before anything is sent to the exchange and before any answer: an order never leaves without the decisions
  // that allowed it on record. Any other way out of the run records the pre-run decision first.
  const pendingPreRun = await deps.bus.decideThenRecord('pre_run', action, ctx);
  const preRun = pendingPreRun.decision;
  if (preRun.outcome !== 'allow') {
    await pendingPreRun.record();
    return deny(preRun);
  }

  let plan: ReturnType<typeof buildDraftPlan>;
  try {
    const markPrice = await deps.marketData.markPrice(product.symbol);
    // An execution that adds risk took its run at pre_run (QuotaHook); a draft of one shows whether it could.
    const limited = QUOTA_ACTIONS.has(INTENT_ACTION_FOR[request.action]);
    const runQuota = !limited
      ? undefined
      : request.intent_action === undefined
        ? await deps.runQuotaStatus(hired.hired_agent_id)
        : ({ ok: true } as const);
    // An exit shows (and is checked against) the position it reduces: flat is not approvable, and at execution a
    // flat position is refused before the approval is consumed.
    const openPosition =
      request.action === 'exit' && deps.positionReader
        ? await deps.positionReader
            .openSize({
              credentialRef: setup.credential_ref,
              customerId: request.customer_id,
              productId: product.id,
              correlationId,
            })
            .then(
              (size) => ({ size }),
              (err: unknown) => ({
                unavailable: err instanceof PositionUnavailableError ? err.why : 'the portal did not answer',
              }),
            )
        : undefined;
    plan = buildDraftPlan(
      request,
      { agentId, hiredAgentId: hired.hired_agent_id, customerId: request.customer_id, setup },
      product,
      markPrice,
      { playbookId: agent.playbook.playbook_id, inrPerUsd: deps.inrPerUsd, runQuota, openPosition },
    );
  } catch (err) {
    await pendingPreRun.record();
    throw err;
  }

  if (request.intent_action === undefined) {
    await pendingPreRun.record();
    await deps.recordUsage({
      ...usageBase,
      event_type: 'draft_plan',
      outcome: plan.approvable ? 'approvable' : 'not_approvable',
      details: { decision_id: preRun.decision_id, intent_hash: plan.intent_hash },
    });
    return {
      mode: 'draft',
      correlation_id: correlationId,
      decision_id: preRun.decision_id,
      plan,
      execution: null,
    };
  }

  ctx.plan = plan;
  let pendingToolUse: PendingDecision;
  try {
    pendingToolUse = await deps.bus.decideThenRecord('pre_tool_use', request.intent_action, ctx);
  } catch (err) {
    await pendingPreRun.record();
    throw err;
  }
  const toolUse = pendingToolUse.decision;
  const decisionsRecorded = Promise.all([pendingPreRun.record(), pendingToolUse.record()]).then(
    () => undefined,
  );
  // Awaited below (or by the executor first); this only keeps an early failure from going unhandled meanwhile.
  decisionsRecorded.catch(() => {});
  if (toolUse.outcome !== 'allow') {
    await decisionsRecorded;
    // A used approval replayed with the SAME intent gets the recorded execution — never a second order.
    if (toolUse.reason === 'already_consumed' && request.approval_id && deps.executor.findExecution) {
      const recorded = await deps.executor.findExecution(request.approval_id);
      if (
        recorded &&
        recorded.intentHash === plan.intent_hash &&
        recorded.customerId === request.customer_id
      ) {
        await deps.recordUsage({
          ...usageBase,
          event_type: 'execution_replayed',
          outcome: recorded.result.state,
          details: { decision_id: toolUse.decision_id, client_order_id: recorded.clientOrderId },
        });
        return {
          mode: 'executed',
          correlation_id: correlationId,
          decision_id: toolUse.decision_id,
          plan,
          execution: {
            ...executionView(request.approval_id, recorded.clientOrderId, recorded.result),
            replayed: true,
          },
        };
      }
    }
    return deny(toolUse);
  }
  const approval = ctx.consumedApproval;
  if (!approval || approval.approvalId !== request.approval_id) {
    // Unreachable with the registered hooks; refuse rather than trade if the hook set is ever miswired.
    throw new AppError(
      500,
      'policy_misconfigured',
      'The policy allowed a trade without a consumed approval.',
    );
  }

  const clientOrderId = clientOrderIdFor(approval.approvalId);
  let result: Awaited<ReturnType<OrderExecutor['execute']>>;
  try {
    result = await deps.executor.execute({
      order: plan.order,
      clientOrderId,
      approvalId: approval.approvalId,
      credentialRef: setup.credential_ref,
      exchangeAccountId: request.exchange_account_id,
      plan,
      correlationId,
      decisionsRecorded,
    });
  } catch (err) {
    // A failed decision record already made the executor refuse; this error is the one to report.
    await decisionsRecorded.catch(() => {});
    await deps.recordUsage({
      ...usageBase,
      event_type: 'execution',
      outcome: 'error',
      details: { decision_id: toolUse.decision_id, client_order_id: clientOrderId },
    });
    throw err;
  }
  await decisionsRecorded;
  await deps.recordUsage({
    ...usageBase,
    event_type: 'execution',
    outcome: result.state,
    details: {
      decision_id: toolUse.decision_id,
      client_order_id: clientOrderId,
      exchange_order_id: result.exchangeOrderId,
    },
  });
  return {
    mode: 'executed',
    correlation_id: correlationId,
    decision_id: toolUse.decision_id,
    plan,
    execution: executionView(approval.approvalId, clientOrderId, result),
  };
}

function executionView(
  approvalId: string,
  clientOrderId: string,
  r: Awaited<ReturnType<OrderExecutor['execute']>>,
) {
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
