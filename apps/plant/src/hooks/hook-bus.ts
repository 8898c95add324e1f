import {
  type TCredentialBundleAnswer,
  type TDraftPlan,
  TRADE_ACTIONS,
  type TTradeAction,
} from '@delta/contracts';

export type HookStage = 'pre_run' | 'pre_tool_use' | 'post_tool_use' | 'post_run';
export type PolicyAction = 'draft_plan' | TTradeAction;

/** Actions that cause an external side effect (they touch the exchange). */
export const SIDE_EFFECT_ACTIONS: ReadonlySet<string> = new Set(TRADE_ACTIONS);

/** Everything a hook may look at. Hooks never see credentials (a consumed approval's bundle is sealed to Plant's key). */
export interface HookContext {
  correlationId: string;
  customerId: string;
  agentId: string;
  hiredAgentId: string;
  /** What the caller declared (request.intent_action); undefined for drafts. */
  declaredIntentAction: string | undefined;
  approvalId: string | undefined;
  plan: TDraftPlan | undefined;
  /**
   * The id the execution will be recorded under (execution runs only): announced with the approval's
   * consumption, so a run that dies right after it is found and said so (docs/execution.md).
   */
  executionId?: string | undefined;
  /**
   * Filled by ApprovalRequiredHook once an approval is verified and consumed, with the credential bundle the portal
   * issued with it (sealed): the run hands it to the executor, the only one that opens it.
   */
  consumedApproval?:
    | { approvalId: string; consumedAt: string; bundle?: TCredentialBundleAnswer | undefined }
    | undefined;
}

export type HookVerdict =
  | { allow: true }
  | { allow: false; reason: string; details?: Record<string, unknown> };

export interface Hook {
  readonly name: string;
  readonly stages: readonly HookStage[];
  /**
   * This hook's own time limit, when it must call another service (the approval ledger) and the bus default is
   * too short for that round trip under load. A timeout is still a deny.
   */
  readonly timeoutMs?: number;
  appliesTo(action: string): boolean;
  evaluate(
    stage: HookStage,
    action: string,
    ctx: HookContext,
  ): Promise<HookVerdict | undefined> | HookVerdict | undefined;
}

export interface PolicyDecision {
  decision_id: string;
  stage: HookStage;
  action: string;
  outcome: 'allow' | 'deny';
  reason: string;
  /** The hook that denied, or null for allow / bus-level denials. */
  hook: string | null;
  hooks_evaluated: string[];
  details: Record<string, unknown>;
}

/** Persists a decision; the bus does not return a decision that was not recorded. */
export type DecisionRecorder = (decision: PolicyDecision, ctx: HookContext) => Promise<void>;

export interface HookBusOptions {
  hooks: readonly Hook[];
  /** Per stage, the only actions that may run at all. */
  allowlist: Readonly<Partial<Record<HookStage, readonly string[]>>>;
  record: DecisionRecorder;
  newId: () => string;
  hookTimeoutMs?: number;
}

export interface HookBus {
  /** The decision, once it is recorded. */
  decide(stage: HookStage, action: string, ctx: HookContext): Promise<PolicyDecision>;
  /**
   * The decision as soon as the hooks have spoken, its record not yet written: for a caller with more to do
   * before it acts on the decision. The caller must call `record()` (the same write however often it is called)
   * and await it before the side effect and before answering. Records started in the same tick share one write.
   */
  decideThenRecord(stage: HookStage, action: string, ctx: HookContext): Promise<PendingDecision>;
}

export interface PendingDecision {
  decision: PolicyDecision;
  /** Writes the decision's record (as the context was when it was decided); rejects if it was not stored. */
  record(): Promise<void>;
}

class HookTimeout extends Error {}

async function withTimeout<T>(work: () => Promise<T> | T, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      Promise.resolve().then(work),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new HookTimeout(`hook took longer than ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

function isVerdict(v: unknown): v is HookVerdict {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as { allow?: unknown; reason?: unknown };
  return r.allow === true || (r.allow === false && typeof r.reason === 'string' && r.reason.length > 0);
}

/**
 * Deny by default: an action runs only if it is allowlisted for the stage, at least one hook covers it, and every
 * covering hook allows. A hook that throws, times out or answers anything but a verdict is a deny ("hook_error").
 * Hooks run in registration order; the first deny wins (later hooks — e.g. approval consumption — do not run).
 */
export function createHookBus(options: HookBusOptions): HookBus {
  const timeoutMs = options.hookTimeoutMs ?? 10_000;
  const bus: HookBus = {
    async decide(stage, action, ctx) {
      const pending = await bus.decideThenRecord(stage, action, ctx);
      await pending.record();
      return pending.decision;
    },
    async decideThenRecord(stage, action, ctx) {
      const base = { decision_id: options.newId(), stage, action };
      const evaluated: string[] = [];
      const deny = (
        reason: string,
        hook: string | null,
        details: Record<string, unknown> = {},
      ): PolicyDecision => ({
        ...base,
        outcome: 'deny',
        reason,
        hook,
        hooks_evaluated: evaluated,
        details,
      });

      let decision: PolicyDecision | undefined;
      const allowed = options.allowlist[stage] ?? [];
      const hooks = options.hooks.filter((h) => h.stages.includes(stage) && h.appliesTo(action));
      if (!allowed.includes(action)) {
        decision = deny('action_not_allowlisted', null, { allowlist: [...allowed] });
      } else if (hooks.length === 0) {
        decision = deny('no_hook_covers_action', null);
      } else {
        for (const hook of hooks) {
          evaluated.push(hook.name);
          let verdict: unknown;
          try {
            verdict = await withTimeout(() => hook.evaluate(stage, action, ctx), hook.timeoutMs ?? timeoutMs);
          } catch (err) {
            decision = deny('hook_error', hook.name, {
              error: err instanceof HookTimeout ? 'timeout' : 'threw',
              message: err instanceof Error ? err.message : String(err),
            });
            break;
          }
          if (!isVerdict(verdict)) {
            decision = deny('hook_error', hook.name, { error: 'no_verdict' });
            break;
          }
          if (!verdict.allow) {
            decision = deny(verdict.reason, hook.name, verdict.details ?? {});
            break;
          }
        }
      }
      decision ??= {
        ...base,
        outcome: 'allow',
        reason: 'all_hooks_allowed',
        hook: null,
        hooks_evaluated: evaluated,
        details: {},
      };
      // The context as it was decided on: the caller goes on to fill in the plan and the consumed approval.
      const decidedCtx = { ...ctx };
      const final = decision;
      let recorded: Promise<void> | undefined;
      return {
        decision,
        record() {
          if (!recorded) {
            try {
              recorded = options.record(final, decidedCtx);
            } catch (err) {
              recorded = Promise.reject(err);
            }
          }
          return recorded;
        },
      };
    },
  };
  return bus;
}
