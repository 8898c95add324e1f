import { principalLabel, type TProblem } from '@delta/contracts';
import type { Db, Logger, RefusalListener } from '@delta/server-kit';
import type { FastifyRequest } from 'fastify';
import { findPrincipal } from '../auth/principal.ts';
import { appendAudit } from './audit-log.ts';

/** Refusals of who the caller is or what its role may do: on record whatever the route. */
const IDENTITY_REASONS = new Set(['identity_required', 'identity_invalid', 'role_forbidden']);
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Which answered 4xx problems Plant puts on record as `request_refused` (the rest are on record already, or are
 * not a refusal of a protected action):
 * - identity and role refusals, on any route (a request without a valid gateway assertion, a viewer writing);
 * - any refusal of a write (the run route, hires, setup changes, customers: schema 422s, malformed bodies,
 *   conflicts), except a policy decision (the hook bus recorded it, with its decision_id) and a 404 (nothing was
 *   found to act on; a cross-tenant 404 was recorded as access_denied by the access guard).
 */
export function isRecordedRefusal(method: string, problem: TProblem): boolean {
  if (IDENTITY_REASONS.has(problem.reason)) return true;
  if (READ_METHODS.has(method)) return false;
  if (problem.status === 404) return false;
  return typeof (problem as { decision_id?: unknown }).decision_id !== 'string';
}

/**
 * The invalid fields of a 422 as path and code only — never the submitted values, nor messages, which may quote
 * them (a value might be a secret).
 */
function fieldsOf(problem: TProblem): { path: string; code: string }[] | undefined {
  const errors = (problem as { errors?: unknown }).errors;
  if (!Array.isArray(errors)) return undefined;
  return errors.slice(0, 50).map((e: { path?: unknown; code?: unknown }) => ({
    path: String(e.path ?? '').slice(0, 128),
    code: String(e.code ?? '').slice(0, 64),
  }));
}

/** The failure code an identity refusal carries (missing, expired, bad_signature, …): a code, not the token. */
function failureOf(problem: TProblem): string | undefined {
  const failure = (problem as { failure?: unknown }).failure;
  return typeof failure === 'string' ? failure.slice(0, 64) : undefined;
}

/**
 * Puts Plant's refusals on its audit chain (see isRecordedRefusal), before the answer is sent. A refusal changes
 * nothing else, so a failed write must not turn it into an acceptance or a 500: it is logged loudly instead.
 */
export function createRefusalRecorder(
  db: Db,
  logger: Logger,
  newId: () => string,
  now: () => Date,
): RefusalListener {
  return async (request: FastifyRequest, problem: TProblem) => {
    if (!isRecordedRefusal(request.method, problem)) return;
    const principal = findPrincipal(request);
    const route = request.routeOptions.url ?? null;
    try {
      await appendAudit(db, {
        record_id: newId(),
        kind: 'request_refused',
        correlation_id: request.correlationId,
        customer_id: principal?.kind === 'customer' ? principal.customer_id : null,
        action: `${request.method} ${route ?? '(no route)'}`,
        outcome: 'deny',
        reason: problem.reason,
        details: {
          principal: principal ? principalLabel(principal) : null,
          method: request.method,
          route,
          status: problem.status,
          ...(failureOf(problem) ? { failure: failureOf(problem) } : {}),
          ...(fieldsOf(problem) ? { fields: fieldsOf(problem) } : {}),
        },
        recorded_at: now(),
      });
    } catch (err) {
      logger.error(
        { err, correlation_id: request.correlationId, reason: problem.reason },
        'plant audit write failed (refusal not recorded)',
      );
    }
  };
}
