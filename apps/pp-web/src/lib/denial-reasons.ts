/** What a denial means and what the operator should do next, for each `reason` a run can come back with. */
export interface ReasonText {
  title: string;
  next: string;
}

const REASONS: Record<string, ReasonText> = {
  approval_required: {
    title: 'This trade needs the customer’s approval first.',
    next: 'Record the customer’s consent for this draft plan (Customer approval), then execute with the approval id it mints.',
  },
  approval_invalid: {
    title: 'The approval could not be used for this trade.',
    next: 'It may be expired, revoked, already used, or for a different trade. Draft the plan again and mint a new approval.',
  },
  intent_mismatch: {
    title: 'The approval was given for a different trade.',
    next: 'Something changed since the approval (coin, side, units, price or account). Draft the exact trade again and ask the customer to approve it.',
  },
  expired: {
    title: 'The approval has expired.',
    next: 'Approvals last a few minutes. Confirm with the customer again and mint a new approval.',
  },
  revoked: {
    title: 'The approval was revoked.',
    next: 'A revoked approval can never be used. Mint a new one if the customer still wants this trade.',
  },
  already_consumed: {
    title: 'This approval was already used for a trade.',
    next: 'Each approval places at most one order. Check the Audit page for the order it placed before trading again.',
  },
  customer_mismatch: {
    title: 'The approval belongs to another customer.',
    next: 'Use an approval minted for this customer’s draft plan.',
  },
  credential_mismatch: {
    title: 'The approval was given for a different exchange account.',
    next: 'Pick the account the approval was minted for, or mint a new approval.',
  },
  intent_action_required: {
    title: 'An execution must say what it does.',
    next: 'Use Execute (it sends place_order for enter, close_position for exit).',
  },
  intent_action_mismatch: {
    title: 'The action and the intent do not match.',
    next: 'Enter places an order; exit closes a position. Draft again with the right action.',
  },
  risk_check_failed: {
    title: 'The plan fails a risk check, so it cannot be executed.',
    next: 'Nothing was sent. Draft again to see which check fails now (the setup or the price may have changed), or change the risk limits in Agent setup.',
  },
  plan_not_approvable: {
    title: 'This plan fails a risk check and cannot be approved.',
    next: 'Change the trade so every risk check passes, then draft it again.',
  },
  trial_expired: {
    title: 'The customer’s trial has ended.',
    next: 'Move the hired agent to a paid plan before running it again.',
  },
  trial_runs_exhausted: {
    title: 'The trial’s runs are used up.',
    next: 'Move the hired agent to a paid plan before running it again.',
  },
  budget_exceeded: {
    title: 'Today’s run budget for this agent is used up.',
    next: 'Wait until the budget resets (UTC midnight) and try again.',
  },
  hired_agent_not_found: {
    title: 'This customer has not hired the trading agent.',
    next: 'Hire it from the Customers page and complete its setup first.',
  },
  role_forbidden: {
    title: 'Your role cannot do this.',
    next: 'Ask an operator or admin to do it.',
  },
  login_required: { title: 'Your session has ended.', next: 'Sign in again.' },
  exchange_error: {
    title: 'The exchange did not answer.',
    next: 'Try again in a moment. If it keeps failing, check the exchange status.',
  },
  exchange_unavailable: {
    title: 'No exchange is connected to Plant.',
    next: 'Ask the platform team to configure the exchange integration.',
  },
  network_error: {
    title: 'PP could not be reached.',
    next: 'Check your connection and try again.',
  },
  order_not_found: {
    title: 'The exchange account has no order with this id.',
    next: 'Pick the order from the Open orders list on Positions (each has a Cancel… link).',
  },
  order_not_open: {
    title: 'The order is no longer open: it filled or was cancelled.',
    next: 'Nothing was cancelled. Positions shows what the order became.',
  },
  account_unavailable: {
    title: 'The exchange account could not be read just now.',
    next: 'Try again in a moment; nothing was sent.',
  },
  execution_in_progress: {
    title: 'This approval is being executed by another request.',
    next: 'Wait a moment and look at the executions on the Audit page; do not approve the same trade again.',
  },
  audit_unavailable: {
    title: 'The decision could not be put on record, so nothing was sent.',
    next: 'Try again shortly. If it keeps failing, ask the platform team to check Plant’s database.',
  },
  validation_failed: {
    title: 'Some fields are not valid.',
    next: 'Fix the fields listed below and try again.',
  },
};

export function reasonText(reason: string, detail?: string): ReasonText {
  return (
    REASONS[reason] ?? {
      title: detail && detail.length > 0 ? detail : `The request was refused (${reason.replace(/_/g, ' ')}).`,
      next: 'Check the Audit page with the correlation id for the full story, then try again.',
    }
  );
}

/** Reasons a trade execution may be denied with; the DenialCard tests cover each. */
export const EXECUTION_DENIAL_REASONS = [
  'approval_required',
  'approval_invalid',
  'intent_mismatch',
  'expired',
  'revoked',
  'already_consumed',
  'risk_check_failed',
] as const;

/** What an execution that ended without a trade means for the customer, by the reason it was recorded with. */
const NOT_TRADED: Record<string, string> = {
  consumed_not_executed:
    'The approval was used, but Plant stopped before it recorded the order: nothing was sent. Approve the trade again to retry.',
  interrupted_before_send:
    'Plant stopped before sending the order: nothing was sent. Approve the trade again to retry.',
  not_placed:
    'The exchange never showed the order within the reconciliation horizon: nothing was traded. Approve again to retry.',
  not_cancelled:
    'The exchange did not cancel the order: it may still rest. Check Positions and cancel it again.',
  order_not_open: 'The order was no longer open (it filled or was cancelled): nothing was cancelled.',
  risk_check_failed:
    'The trade no longer passed its risk checks after the approval was used (the setup or price changed): nothing was sent.',
  no_open_position: 'There was no open position to exit: nothing was sent.',
  audit_unavailable: 'The decision could not be put on record, so nothing was sent.',
};

export function notTradedText(reason: string | null | undefined): string {
  if (!reason) return 'Nothing was traded.';
  return NOT_TRADED[reason] ?? `Nothing was traded (${reason.replace(/_/g, ' ')}).`;
}
