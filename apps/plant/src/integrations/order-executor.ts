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
}

export interface ExecuteOrderResult {
  exchangeOrderId: string | null;
  state: string;
}

/**
 * Port to the exchange. Only the run service calls it, and only after the hook bus allowed a place_order or
 * close_position decision — which requires an approval the verifier has verified and consumed.
 */
export interface OrderExecutor {
  execute(request: ExecuteOrderRequest): Promise<ExecuteOrderResult>;
}

/** Until the Delta client lands there is no exchange to call; reaching this is a configuration gap, not a trade. */
export const unavailableOrderExecutor: OrderExecutor = {
  async execute() {
    throw new AppError(503, 'exchange_unavailable', 'No exchange integration is configured in this Plant.');
  },
};
