import type { TProblem } from '@delta/contracts';
import type { Db, Logger, RefusalListener } from '@delta/server-kit';
import type { FastifyRequest } from 'fastify';
import { ppAudit } from '../pp-audit.ts';
import { actorOf } from './session-plugin.ts';

/** Refusals of who the caller is or where the request came from: on record on every route, reads included. */
const AUTH_REASONS = new Set(['login_required', 'role_forbidden', 'cross_site_request']);
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
 * PP's refusals on its audit chain (the createApp onRefusal listener), before the answer is sent: no session,
 * the wrong role, a cross-site write (CSRF), on any route; and every other refused write (a schema 422, a bad body,
 * a conflict) that its route has not recorded already. Refusals of reads that are not about identity (a 404, a
 * bad filter) are not actions on anything and are not recorded. A refusal changes nothing, so a failed write is
 * logged loudly and the caller refused all the same — never a 500, never an acceptance.
 */
export function createPpRefusalRecorder(db: Db, logger: Logger): RefusalListener {
  return async (request: FastifyRequest, problem: TProblem) => {
    const auth = AUTH_REASONS.has(problem.reason);
    if (!auth && READ_METHODS.has(request.method)) return;
    try {
      // The route put this refusal on record itself (login, key check, approvals, bundles).
      if (!auth && (await ppAudit.hasRefusalFor(db, request.correlationId))) return;
    } catch (err) {
      logger.error({ err, correlation_id: request.correlationId }, 'pp audit lookup failed');
    }
    const user = request.opsUser;
    const route = request.routeOptions.url ?? null;
    const fields = fieldsOf(problem);
    await ppAudit.recordRefusal(db, logger, {
      correlation_id: request.correlationId,
      actor: user ? actorOf(user) : `anonymous@${request.ip}`,
      action: `${request.method} ${route ?? request.url.split('?')[0]!.slice(0, 200)}`,
      outcome: 'denied',
      reason: problem.reason,
      details: { method: request.method, route, status: problem.status, ...(fields ? { fields } : {}) },
    });
  };
}
