import type { TRunResponse, TTradeRunRequest } from '@delta/contracts';
import type { UsageEventInput, UsageRecorder } from '../../audit/usage-events.ts';
import type { HookBus, HookContext, PendingDecision } from '../../hooks/hook-bus.ts';
import type { OrderExecutor } from '../../integrations/order-executor.ts';
import type { Refusal } from '../../refusal.ts';
import type { PlanDeps, RunTarget } from './plan-trade.ts';

// The shapes a run and its steps share (run-trading-agent.ts runs them; tool-use.ts is the execute step).

export interface RunDeps extends PlanDeps {
  bus: HookBus;
  executor: OrderExecutor;
  recordUsage: UsageRecorder;
  /** Mints execution ids (one per execution run, known before the approval is consumed). */
  newId: () => string;
}

/** One run: which reference agent, the request, and the correlation id every record of the run carries. */
export interface RunInput {
  agentId: string;
  request: TTradeRunRequest;
  /** Whoever starts the run names it: the HTTP request's id, or a scheduler tick's own. */
  correlationId: string;
}

/** What a run came to: the answer, or why not (a code of the shared catalogue; the caller maps it). */
export type RunOutcome = { ok: true; response: TRunResponse } | { ok: false; refusal: Refusal };

/** A usage event of this run: the run's own fields are added when it is written. */
export type RunUsage = Pick<UsageEventInput, 'event_type' | 'outcome' | 'details'>;

/**
 * What one step of the run came to, before the decisions that led there are known to be on record: an answer or
 * a refusal, and the usage event that says so (written once the decisions are on record).
 */
export type StepResult =
  | { kind: 'answer'; response: TRunResponse; usage?: RunUsage }
  | { kind: 'refused'; refusal: Refusal; usage?: RunUsage };

/** Everything the steps after the pre-run decision share. */
export interface RunScope {
  deps: RunDeps;
  input: RunInput;
  target: RunTarget;
  ctx: HookContext;
  decisions: DecisionRecords;
  usage: (event: RunUsage) => Promise<void>;
}

/** The run's policy decisions and their records: the pre-run decision, and the tool-use one once taken. */
export interface DecisionRecords {
  /** Adds the tool-use decision; both are written together (one write, the pre-run's first). */
  add(decision: PendingDecision): Promise<void>;
  /** Every decision of the run on record (the same writes however often it is asked; rejects if one failed). */
  recorded(): Promise<void>;
}
