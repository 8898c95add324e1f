import type { TProblem } from '@delta/contracts';
import type { Db, Logger, RefusalListener } from '@delta/server-kit';
import type { FastifyRequest } from 'fastify';
import { cpAudit } from '../cp-audit.ts';
import { actorOf } from './sessions.ts';

/** Refusals of who the caller is or where the request came from: on record on every route, reads included. */
const AUTH_REASONS = new Set(['login_required', 'csrf_failed']);
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The invalid fields of a 422 as path and code only — never values or messages (which may quote a value). */
function fieldsOf(problem: TProblem): { path: string; code: string }[] | undefined {
  const errors = (problem as { errors?: unknown }).errors;
  if (!Array.isArray(errors)) return undefined;
  return errors.slice(0, 50).map((e: { path?: unknown; code?: unknown }) => ({
    path: String(e.path ?? '').slice(0, 128),
    code: String(e.code ?? '').slice(0, 64),
  }));
}

/**
 * CP's refusals on its audit chain (createApp's onRefusal), as PP does: no session and a failed anti-forgery
 * check on any route, and every other refused write its route has not recorded itself (sign-up, sign-in,
 * factors and step-up record their own, with their reasons).
 */
export function createCpRefusalRecorder(db: Db, logger: Logger): RefusalListener {
  return async (request: FastifyRequest, problem: TProblem) => {
    const auth = AUTH_REASONS.has(problem.reason);
    if (!auth && READ_METHODS.has(request.method)) return;
    try {
      if (!auth && (await cpAudit.hasRefusalFor(db, request.correlationId))) return;
    } catch (err) {
      logger.error({ err, correlation_id: request.correlationId }, 'cp audit lookup failed');
    }
    const route = request.routeOptions.url ?? null;
    const fields = fieldsOf(problem);
    await cpAudit.recordRefusal(db, logger, {
      correlation_id: request.correlationId,
      actor: actorOf(request),
      action: `${request.method} ${route ?? request.url.split('?')[0]!.slice(0, 200)}`,
      customer_id: request.cpSession?.customer_id ?? null,
      outcome: 'denied',
      reason: problem.reason,
      details: { method: request.method, route, status: problem.status, ...(fields ? { fields } : {}) },
    });
  };
}
