import { isConsumeRefusalReason, type TPolicyRefusalCode, TRADE_ACTIONS } from '@delta/contracts';
import type { ApprovalVerifier } from '../integrations/approval-verifier.ts';
import { PRICE_MOVED_CHECK } from '../skills/trading/approved-band.ts';
import { type Hook, SIDE_EFFECT_ACTIONS } from './hook-bus.ts';

/**
 * A trading hook's verdict: a denial names a policy code of the shared catalogue (REFUSAL_REASONS), so every
 * reason a trading hook can give has its status and its words there.
 */
type TradingVerdict =
  | { allow: true }
  | { allow: false; reason: TPolicyRefusalCode; details?: Record<string, unknown> };

const isTradeAction = (action: string) => (TRADE_ACTIONS as readonly string[]).includes(action);

/** Stage allowlist: a run may only draft or take a trade action; a tool use may only take a trade action. */
export const TRADING_ALLOWLIST = {
  pre_run: ['draft_plan', ...TRADE_ACTIONS],
  pre_tool_use: TRADE_ACTIONS,
} as const;

/**
 * Fails closed when a run would cause an external side effect without declaring it (TR-PLANT-3.2), or declares an
 * intent that differs from the action being taken.
 */
export const intentActionHook: Hook = {
  name: 'IntentActionHook',
  stages: ['pre_run', 'pre_tool_use'],
  appliesTo: () => true,
  evaluate(_stage, action, ctx): TradingVerdict {
    if (SIDE_EFFECT_ACTIONS.has(action)) {
      if (ctx.declaredIntentAction === undefined) {
        return {
          allow: false,
          reason: 'intent_action_required',
          details: {
            message: `${action} is an external side effect and the run did not declare intent_action`,
          },
        };
      }
      if (ctx.declaredIntentAction !== action) {
        return {
          allow: false,
          reason: 'intent_action_mismatch',
          details: { declared: ctx.declaredIntentAction, attempted: action },
        };
      }
      return { allow: true };
    }
    if (ctx.declaredIntentAction !== undefined) {
      return {
        allow: false,
        reason: 'intent_action_mismatch',
        details: { declared: ctx.declaredIntentAction, attempted: action },
      };
    }
    return { allow: true };
  },
};

/**
 * Gates every trade action (place, close, cancel) on an approval. Before the run it only checks that one was
 * given (so a request without one is refused before it costs a run); at the tool use it asks the verifier to
 * verify the approval against this plan's intent hash and consume it. Any doubt is a deny.
 */
export function approvalRequiredHook(verifier: ApprovalVerifier): Hook {
  return {
    name: 'ApprovalRequiredHook',
    stages: ['pre_run', 'pre_tool_use'],
    // Consuming the approval is a call to the issuing portal. Timing out after it was sent could use up the
    // approval without a trade (nothing is sent; the reconciler finds and records it as consumed_not_executed),
    // so allow the portal call its own limit (the portal client gives up after 10 s) before the bus does.
    timeoutMs: 15_000,
    appliesTo: isTradeAction,
    async evaluate(stage, _action, ctx): Promise<TradingVerdict> {
      if (!ctx.approvalId) {
        return {
          allow: false,
          reason: 'approval_required',
          details: { message: 'no approval_id was given' },
        };
      }
      if (stage === 'pre_run') return { allow: true };
      if (!ctx.plan)
        return { allow: false, reason: 'approval_invalid', details: { message: 'no plan to bind' } };
      let verdict: Awaited<ReturnType<ApprovalVerifier['consume']>>;
      try {
        verdict = await verifier.consume({
          approvalId: ctx.approvalId,
          intentHash: ctx.plan.intent_hash,
          customerId: ctx.customerId,
          hiredAgentId: ctx.hiredAgentId,
          credentialRef: ctx.plan.exchange_account_id,
          correlationId: ctx.correlationId,
          executionId: ctx.executionId,
          plan: ctx.plan,
        });
      } catch (err) {
        return {
          allow: false,
          reason: 'approval_invalid',
          details: {
            message: 'the approval could not be verified',
            verifier_error: err instanceof Error ? err.message : String(err),
          },
        };
      }
      if (verdict?.ok !== true) {
        const verifierReason = verdict && verdict.ok === false ? verdict.reason : 'no verdict';
        return {
          allow: false,
          // The ledger's own reasons (expired, revoked, intent_mismatch, …) say what to do next; anything
          // else (no ledger, unreachable ledger, nonsense) is the generic approval_invalid.
          reason: isConsumeRefusalReason(verifierReason) ? verifierReason : 'approval_invalid',
          details: {
            message: 'the approval was not verified and consumed for this exact intent',
            verifier_reason: verifierReason,
          },
        };
      }
      // Defence in depth: the verifier must echo the exact approval and intent it consumed.
      if (verdict.approvalId !== ctx.approvalId || verdict.intentHash !== ctx.plan.intent_hash) {
        return {
          allow: false,
          reason: 'approval_invalid',
          details: {
            message: 'the verifier consumed a different approval or intent',
            verifier_reason: 'binding_mismatch',
          },
        };
      }
      ctx.consumedApproval = {
        approvalId: verdict.approvalId,
        consumedAt: verdict.consumedAt,
        bundle: verdict.bundle,
      };
      return { allow: true };
    },
  };
}

/**
 * An approval that already has an execution recorded is not used again: denied as `already_consumed` before the
 * risk re-check, so a replay (a retry, a double tap) answers with the recorded execution (the run looks it up)
 * even when the account has moved on since — the cancelled order, the closed position.
 */
export function executedApprovalHook(hasExecution: (approvalId: string) => Promise<boolean>): Hook {
  return {
    name: 'ExecutedApprovalHook',
    stages: ['pre_tool_use'],
    appliesTo: isTradeAction,
    async evaluate(_stage, _action, ctx): Promise<TradingVerdict> {
      if (ctx.approvalId && (await hasExecution(ctx.approvalId))) {
        return {
          allow: false,
          reason: 'already_consumed',
          details: { message: 'this approval has already been executed' },
        };
      }
      return { allow: true };
    },
  };
}

/** Re-checks the plan at the tool use: a plan with any failed risk check never reaches the exchange. */
export const riskCheckHook: Hook = {
  name: 'RiskCheckHook',
  stages: ['pre_tool_use'],
  appliesTo: isTradeAction,
  evaluate(_stage, _action, ctx): TradingVerdict {
    if (!ctx.plan) return { allow: false, reason: 'risk_check_failed', details: { message: 'no plan' } };
    const failed = ctx.plan.risk_checks.filter((c) => !c.passed);
    // Only the mark moved past the approved band: the customer re-quotes; the approval is kept (not consumed).
    if (failed.length === 1 && failed[0]!.check === PRICE_MOVED_CHECK) {
      return {
        allow: false,
        reason: 'price_moved',
        details: { message: failed[0]!.reason, failed_checks: failed },
      };
    }
    if (failed.length || !ctx.plan.approvable) {
      return {
        allow: false,
        reason: 'risk_check_failed',
        details: {
          message: `the plan failed ${failed.map((c) => c.check).join(', ')}`,
          failed_checks: failed,
        },
      };
    }
    return { allow: true };
  },
};

export type RunQuotaVerdict =
  | { ok: true }
  | {
      ok: false;
      reason: Extract<
        TPolicyRefusalCode,
        | 'agent_paused'
        | 'trial_expired'
        | 'trial_runs_exhausted'
        | 'budget_exceeded'
        | 'hired_agent_not_found'
        | 'agent_not_found'
      >;
      detail: string;
      retryAfterS?: number;
    };

/**
 * Enforces the agent's trial and budget by reserving one run for the hired agent (atomically, in the database).
 * The agent id says whose spec's limits apply. Only an execution that adds risk (place_order) takes a run: drafts
 * cost nothing, and an exit (close_position) is never kept from the exchange by a trial or a budget — a customer
 * can always reduce risk.
 */
export function quotaHook(
  reserveRun: (hiredAgentId: string, agentId: string) => Promise<RunQuotaVerdict>,
): Hook {
  return {
    name: 'QuotaHook',
    stages: ['pre_run'],
    appliesTo: (action) => QUOTA_ACTIONS.has(action),
    async evaluate(_stage, _action, ctx): Promise<TradingVerdict> {
      const verdict = await reserveRun(ctx.hiredAgentId, ctx.agentId);
      if (verdict.ok) return { allow: true };
      return {
        allow: false,
        reason: verdict.reason,
        details: { message: verdict.detail, retry_after_s: verdict.retryAfterS ?? null },
      };
    },
  };
}

/** The actions a trial or a budget limits: those that add risk. */
export const QUOTA_ACTIONS: ReadonlySet<string> = new Set(['place_order']);
