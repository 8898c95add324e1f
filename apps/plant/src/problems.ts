import type { TFieldError } from '@delta/contracts';
import { type AppError, problem } from '@delta/server-kit';
import type { Refusal } from './refusal.ts';

// Plant's HTTP answers take their status from the shared catalogue (server-kit's problem()).
export { problem };

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
