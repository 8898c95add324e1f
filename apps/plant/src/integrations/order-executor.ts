import type { TCredentialBundleAnswer, TDraftPlan, TExchangeOrder, TExecutionState } from '@delta/contracts';
import { Refusal } from '../refusal.ts';
import type { RecheckVerdict } from '../skills/trading/plan-trade.ts';

export interface ExecuteOrderRequest {
  /** The id the execution is recorded under (announced with the approval's consumption). */
  executionId: string;
  order: TExchangeOrder;
  /** ≤ 32 characters, derived from the approval so a retry can be looked up rather than re-sent. */
  clientOrderId: string;
  approvalId: string;
  credentialRef: string;
  plan: TDraftPlan;
  correlationId: string;
  /**
   * The credential bundle that came with the approval's consumption, sealed to Plant's key: the executor opens it
   * (once; kept in memory only). Absent: the executor asks the portal's bundle endpoint.
   */
  bundle?: TCredentialBundleAnswer | undefined;
  /**
   * The policy decisions that allowed this order, being written to the audit log. The executor sends nothing
   * until this resolves; if it rejects, nothing is sent.
   */
  decisionsRecorded?: Promise<void>;
  /**
   * The re-check of the plan after the approval was consumed (setup and mark may have changed meanwhile). The
   * executor sends nothing unless it passes, and records why not.
   */
  stillApprovable?: Promise<RecheckVerdict>;
}

export interface ExecuteOrderResult {
  exchangeOrderId: string | null;
  state: TExecutionState;
  /** Contracts sent (an exit is clamped to the open position). */
  size?: number | null;
  filledSize?: number | null;
  averageFillPrice?: string | null;
  fees?: string | null;
  reason?: string | null;
}

export interface RecordedExecution {
  intentHash: string;
  customerId: string;
  clientOrderId: string;
  result: ExecuteOrderResult;
}

/**
 * Port to the exchange. Only the run service calls it, and only after the hook bus allowed a trade action —
 * which requires an approval the verifier has verified and consumed.
 */
export interface OrderExecutor {
  /** The execution's result; a refusal (nothing sent, the record says why) is thrown as a Refusal. */
  execute(request: ExecuteOrderRequest): Promise<ExecuteOrderResult>;
  /**
   * The execution already recorded for an approval (a replay, or a concurrent duplicate — then after waiting
   * briefly for its outcome). Executors without a record store omit it: a consumed approval is then a plain deny.
   */
  findExecution?(approvalId: string): Promise<RecordedExecution | undefined>;
}

/** A Plant without an exchange wired (tests of the policy alone): reaching this is a configuration gap, not a trade. */
export const unavailableOrderExecutor: OrderExecutor = {
  async execute() {
    throw new Refusal('exchange_unavailable', 'No exchange integration is configured in this Plant.');
  },
};
