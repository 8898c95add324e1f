import { isRefusalCode, NOT_TRADED_REASONS, REFUSAL_REASONS } from '@delta/contracts';

/** What a refusal means and what to do next, for each `reason` an API can answer with. */
export interface ReasonText {
  title: string;
  next: string;
}

/**
 * The words for a refusal, from the shared catalogue (@delta/contracts: REFUSAL_REASONS); `local` holds the
 * browser's own reasons (no service answers with them), `fallbackNext` what to do after an unknown one.
 */
export function reasonText(
  reason: string,
  detail: string | undefined,
  local: Record<string, ReasonText> = {},
  fallbackNext = 'Try again; if it persists, report it with the correlation id.',
): ReasonText {
  if (isRefusalCode(reason)) {
    const { title, next } = REFUSAL_REASONS[reason];
    return { title, next };
  }
  return (
    local[reason] ?? {
      title: detail && detail.length > 0 ? detail : `The request was refused (${reason.replace(/_/g, ' ')}).`,
      next: fallbackNext,
    }
  );
}

/** What an execution that ended without a trade means, by the reason it was recorded with. */
export function notTradedText(reason: string | null | undefined): string {
  if (!reason) return 'Nothing was traded.';
  return NOT_TRADED_REASONS[reason] ?? `Nothing was traded (${reason.replace(/_/g, ' ')}).`;
}
