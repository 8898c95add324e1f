import { type ReasonText, reasonText as sharedReasonText } from '@delta/web-ui';

export { notTradedText, type ReasonText } from '@delta/web-ui';

/** The browser's own reasons: no service answers with them, so they are not in the shared catalogue. */
const CLIENT_REASONS: Record<string, ReasonText> = {
  network_error: {
    title: 'PP could not be reached.',
    next: 'Check your connection and try again.',
  },
};

/** The words come from the shared catalogue of refusals (@delta/contracts: REFUSAL_REASONS). */
export function reasonText(reason: string, detail?: string): ReasonText {
  return sharedReasonText(
    reason,
    detail,
    CLIENT_REASONS,
    'Check the Audit page with the correlation id for the full story, then try again.',
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
