import type { TPolicyRefusalCode, TRefusalCode } from '@delta/contracts';

/**
 * Why a run (or a step of it) did not do what was asked: a code from the shared catalogue (REFUSAL_REASONS in
 * @delta/contracts), what happened in words, and the facts the caller may see (never a secret). A domain value,
 * not an HTTP answer: the route maps it to one (routes/refusal-problem.ts), a scheduler just records it.
 */
export class Refusal extends Error {
  readonly code: TRefusalCode;
  /** Members added to the caller's answer: the failed checks, the exchange's code, the decision that denied. */
  readonly facts: Record<string, unknown>;
  /** The hook bus denied (before any approval was consumed): the catalogue's policy status applies. */
  readonly byPolicy: boolean;
  /** When trying again may succeed (seconds), if the refusal knows. */
  readonly retryAfterS: number | undefined;

  constructor(
    code: TRefusalCode,
    detail: string,
    options: { facts?: Record<string, unknown>; retryAfterS?: number; byPolicy?: boolean } = {},
  ) {
    super(detail);
    this.name = 'Refusal';
    this.code = code;
    this.facts = options.facts ?? {};
    this.byPolicy = options.byPolicy ?? false;
    this.retryAfterS = options.retryAfterS;
  }

  /** A denial by the hook bus, with the decision that denied among its facts. */
  static denied(
    code: TPolicyRefusalCode,
    detail: string,
    options: { facts?: Record<string, unknown>; retryAfterS?: number } = {},
  ): Refusal {
    return new Refusal(code, detail, { ...options, byPolicy: true });
  }
}
