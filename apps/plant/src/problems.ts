import { refusalStatus, type TFieldError, type TRefusalCode } from '@delta/contracts';
import { AppError } from '@delta/server-kit';
import type { Refusal } from './refusal.ts';

/**
 * Plant's HTTP answers. The status of every one is the shared catalogue's (REFUSAL_REASONS in @delta/contracts),
 * never the thrower's choice: code answers with a code, the catalogue says what that is in HTTP.
 */
export function problem(
  code: TRefusalCode,
  detail: string,
  options: { extra?: Record<string, unknown>; retryAfterS?: number; byPolicy?: boolean } = {},
): AppError {
  return new AppError(refusalStatus(code, options.byPolicy), code, detail, {
    extra: options.extra ?? {},
    headers: options.retryAfterS === undefined ? {} : { 'retry-after': String(options.retryAfterS) },
  });
}

/** A 422 naming every invalid field. */
export function invalidFields(errors: TFieldError[], detail = 'The request has invalid fields.'): AppError {
  return problem('validation_failed', detail, { extra: { errors } });
}

/** A run's refusal as the caller's answer (the route maps the run's outcome; the run knows no HTTP). */
export function refusalProblem(refusal: Refusal): AppError {
  return problem(refusal.code, refusal.message, {
    extra: refusal.facts,
    byPolicy: refusal.byPolicy,
    ...(refusal.retryAfterS === undefined ? {} : { retryAfterS: refusal.retryAfterS }),
  });
}
