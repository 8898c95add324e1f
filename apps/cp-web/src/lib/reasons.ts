import { type ReasonText, reasonText as sharedReasonText } from '@delta/web-ui';

/** The browser's own reasons (no service answers with them) in the customer's words. */
const LOCAL: Record<string, ReasonText> = {
  network_error: {
    title: 'CP could not be reached.',
    next: 'Check your connection and try again. If you were approving a trade, open it again to see what happened.',
  },
  passkey_cancelled: {
    title: 'The passkey prompt was closed.',
    next: 'Try again, or use a code from your authenticator app instead.',
  },
  passkey_unsupported: {
    title: 'This browser cannot use passkeys.',
    next: 'Use a code from your authenticator app, or another browser.',
  },
};

/** A refusal in the customer's words: the shared catalogue (REFUSAL_REASONS), never the raw code. */
export function reasonText(reason: string, detail?: string): ReasonText {
  return sharedReasonText(
    reason,
    detail,
    LOCAL,
    'Try again. If it keeps happening, contact support and quote the reference below.',
  );
}
