import type { TDraftPlan, TExchangeOrder } from '@delta/contracts';
import { AppError } from '@delta/server-kit';

export interface ExecuteOrderRequest {
  order: TExchangeOrder;
  /** ≤ 32 characters, derived from the approval so a retry can be looked up rather than re-sent. */
  clientOrderId: string;
  approvalId: string;
  credentialRef: string;
  exchangeAccountId: string;
  plan: TDraftPlan;
  correlationId: string;
  /**
   * The policy decisions that allowed this order, being written to the audit log. The executor sends nothing
   * until this resolves; if it rejects, nothing is sent.
   */
  decisionsRecorded?: Promise<void>;
}

export interface ExecuteOrderResult {
  exchangeOrderId: string | null;
  state: string;
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
 * Port to the exchange. Only the run service calls it, and only after the hook bus allowed a place_order or
 * close_position decision — which requires an approval the verifier has verified and consumed.
 */
export interface OrderExecutor {
  execute(request: ExecuteOrderRequest): Promise<ExecuteOrderResult>;
  /**
   * The execution already recorded for an approval (a replay, or a concurrent duplicate — then after waiting
   * briefly for its outcome). Executors without a record store omit it: a consumed approval is then a plain deny.
   */
  findExecution?(approvalId: string): Promise<RecordedExecution | undefined>;
}

/** Until the Delta client lands there is no exchange to call; reaching this is a configuration gap, not a trade. */
export const unavailableOrderExecutor: OrderExecutor = {
  async execute() {
    throw new AppError(503, 'exchange_unavailable', 'No exchange integration is configured in this Plant.');
  },
};
