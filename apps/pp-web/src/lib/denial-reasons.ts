import { isRefusalCode, NOT_TRADED_REASONS, REFUSAL_REASONS } from '@delta/contracts';

/** What a denial means and what the operator should do next, for each `reason` a run can come back with. */
export interface ReasonText {
  title: string;
  next: string;
}

/** The browser's own reasons: no service answers with them, so they are not in the shared catalogue. */
const CLIENT_REASONS: Record<string, ReasonText> = {
  network_error: {
    title: 'PP could not be reached.',
    next: 'Check your connection and try again.',
  },
};

/** The words come from the shared catalogue of refusals (@delta/contracts: REFUSAL_REASONS). */
export function reasonText(reason: string, detail?: string): ReasonText {
  if (isRefusalCode(reason)) {
    const { title, next } = REFUSAL_REASONS[reason];
    return { title, next };
  }
  return (
    CLIENT_REASONS[reason] ?? {
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
export function notTradedText(reason: string | null | undefined): string {
  if (!reason) return 'Nothing was traded.';
  return NOT_TRADED_REASONS[reason] ?? `Nothing was traded (${reason.replace(/_/g, ' ')}).`;
}
