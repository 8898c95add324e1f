import type { TProblem } from '@delta/contracts';
import type { Db, Logger, RefusalListener } from '@delta/server-kit';
import type { FastifyRequest } from 'fastify';
import type { PortalAudit } from './audit-log.ts';

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

export interface RefusalRecorderOptions {
  db: Db;
  logger: Logger;
  audit: PortalAudit;
  /** Refusals of who the caller is or where the request came from: on record on every route, reads included. */
  authReasons: ReadonlySet<string>;
  /** The audit actor of a request (the signed-in user, or the anonymous address). */
  actorOf(request: FastifyRequest): string;
  /** The customer the request acts for, when there is one. */
  customerOf?(request: FastifyRequest): string | null;
}

/**
 * A portal's refusals on its audit chain (createApp's onRefusal listener), before the answer is sent: refusals of
 * identity (no session, the wrong role, a cross-site write) on any route; and every other refused write (a schema
 * 422, a bad body, a conflict) that its route has not recorded already. Refusals of reads that are not about
 * identity (a 404, a bad filter) are not actions on anything and are not recorded. A refusal changes nothing, so a
 * failed write is logged loudly and the caller refused all the same — never a 500, never an acceptance.
 */
export function createPortalRefusalRecorder(o: RefusalRecorderOptions): RefusalListener {
  return async (request: FastifyRequest, problem: TProblem) => {
    const auth = o.authReasons.has(problem.reason);
    if (!auth && READ_METHODS.has(request.method)) return;
    try {
      // The route put this refusal on record itself (login, key check, approvals, bundles, step-up).
      if (!auth && (await o.audit.hasRefusalFor(o.db, request.correlationId))) return;
    } catch (err) {
      o.logger.error({ err, correlation_id: request.correlationId }, 'portal audit lookup failed');
    }
    const route = request.routeOptions.url ?? null;
    const fields = fieldsOf(problem);
    await o.audit.recordRefusal(o.db, o.logger, {
      correlation_id: request.correlationId,
      actor: o.actorOf(request),
      action: `${request.method} ${route ?? request.url.split('?')[0]!.slice(0, 200)}`,
      ...(o.customerOf ? { customer_id: o.customerOf(request) } : {}),
      outcome: 'denied',
      reason: problem.reason,
      details: { method: request.method, route, status: problem.status, ...(fields ? { fields } : {}) },
    });
  };
}
