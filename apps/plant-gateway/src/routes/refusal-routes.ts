import { type TGatewayRefusal, ZGatewayRefusalPage, ZGatewayRefusalQuery, ZProblem } from '@delta/contracts';
import { type App, AppError, decodeCursor, nextCursor } from '@delta/server-kit';
import type { ReplayCache, ServiceTokenVerifier } from '@delta/service-auth';
import { admitRequest, authenticateCaller, type Caller, CallerRefused } from '../caller-auth.ts';
import { type GatewayAuditRow, queryGatewayAudit } from '../db/gateway-audit-repository.ts';
import { type RecordRefusal, refuser } from '../gateway-audit.ts';
import type { CallerLimiter } from '../rate-limiter.ts';

export interface RefusalRouteDeps {
  verify: ServiceTokenVerifier;
  limiter: CallerLimiter;
  replayCache: ReplayCache;
  recordRefusal: RecordRefusal;
  db: Parameters<typeof queryGatewayAudit>[0];
}

/** Only PP (ops users, any role) reads the gateway's refusals: they name principals of every tenant. */
const READERS = new Set(['pp']);

const toApi = (r: GatewayAuditRow): TGatewayRefusal => ({
  seq: r.seq,
  correlation_id: r.correlation_id,
  issuer: r.issuer,
  principal: r.principal,
  method: r.method,
  path: r.path,
  reason: r.reason,
  details: r.details,
  created_at: r.created_at.toISOString(),
});

/**
 * The gateway's own read API for its refusal table, never forwarded to Plant (it is not under /api/): PP's Audit
 * view merges these with PP's and Plant's records. The caller is authenticated exactly as a forwarded request is
 * (service token, principal, rate limit, binding to this request, one use), and every refusal is recorded.
 */
export async function registerRefusalRoutes(app: App, deps: RefusalRouteDeps): Promise<void> {
  app.decorateRequest('caller', null);
  const refuse = refuser(deps.recordRefusal);

  app.get(
    '/gateway/v1/refusals',
    {
      schema: {
        tags: ['audit'],
        summary: "The gateway's refusals, newest first, with filters and cursor pagination (PP only)",
        querystring: ZGatewayRefusalQuery,
        response: { 200: ZGatewayRefusalPage, 401: ZProblem, 403: ZProblem, 422: ZProblem, 429: ZProblem },
      },
      // Before the query is validated: an unauthenticated caller learns nothing from a 422.
      onRequest: async (request) => {
        let caller: Caller;
        try {
          caller = await authenticateCaller(deps.verify, request.headers.authorization);
        } catch (err) {
          if (err instanceof CallerRefused) return refuse(request, err.error, err.caller, err.details);
          throw err;
        }
        request.caller = caller;
        if (!READERS.has(caller.issuer)) {
          const error = AppError.forbidden('issuer_not_allowed', 'Only PP may read the gateway refusals.');
          return refuse(request, error, caller, { issuer: caller.issuer });
        }
        const waitS = await deps.limiter.take(`${caller.issuer}|${caller.label}`);
        if (waitS !== undefined) {
          const error = AppError.tooManyRequests(
            'rate_limited',
            'Too many requests for this principal.',
            waitS,
          );
          return refuse(request, error, caller, { retry_after_s: Math.max(1, Math.ceil(waitS)) });
        }
        try {
          await admitRequest(deps.replayCache, caller, request.method, request.url, undefined);
        } catch (err) {
          if (err instanceof CallerRefused) return refuse(request, err.error, err.caller, err.details);
          throw err;
        }
      },
    },
    async (request) => {
      const q = request.query;
      const rows = await queryGatewayAudit(deps.db, {
        correlationId: q.correlation_id,
        principal: q.actor,
        action: q.action,
        reason: q.reason,
        from: q.from ? new Date(q.from) : undefined,
        to: q.to ? new Date(q.to) : undefined,
        beforeSeq: decodeCursor(q.cursor) ?? q.before_seq,
        limit: q.limit,
      });
      return {
        items: rows.map(toApi),
        next_cursor: nextCursor(rows, q.limit),
      };
    },
  );
}
