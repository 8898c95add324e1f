import type { TProblem } from '@delta/contracts';
import { type AppError, type Db, type Logger, type RefusalListener, redactUrl } from '@delta/server-kit';
import type { FastifyRequest } from 'fastify';
import type { Caller } from './caller-auth.ts';
import { insertGatewayAudit } from './db/gateway-audit-repository.ts';

export interface Refusal {
  correlationId: string;
  issuer: string | null;
  principal: string | null;
  method: string;
  url: string;
  reason: string;
  /** Names fields and failure codes only — never a token, a key or a body value. */
  details: Record<string, unknown>;
}

export type RecordRefusal = (refusal: Refusal) => Promise<void>;

/**
 * Persists a refusal. A database hiccup must not turn a refusal into an acceptance or a 500: the caller is refused
 * either way, and the failure to audit is logged loudly instead.
 */
export function createRefusalRecorder(db: Db, logger: Logger): RecordRefusal {
  return async (r) => {
    try {
      await insertGatewayAudit(db, {
        correlation_id: r.correlationId,
        issuer: r.issuer,
        principal: r.principal,
        method: r.method,
        path: redactUrl(r.url).slice(0, 2048),
        reason: r.reason,
        details: r.details,
      });
    } catch (err) {
      logger.error({ err, correlation_id: r.correlationId, reason: r.reason }, 'gateway audit write failed');
    }
  };
}

/** Requests whose refusal a route already recorded (with its caller and details), so it is recorded once. */
const recorded = new WeakSet<FastifyRequest>();

export function markRefusalRecorded(request: FastifyRequest): void {
  recorded.add(request);
}

/**
 * Every other 4xx the gateway answers is a refusal too — a non-canonical path, a body that is not JSON, a body
 * too large, a route that does not exist, a bad query on the gateway's own routes — and goes on record here (the
 * createApp onRefusal listener), with the caller when it was already authenticated. Details name the status and,
 * for a 422, the fields and codes only.
 */
export function createUnrecordedRefusalListener(record: RecordRefusal): RefusalListener {
  return async (request, problem: TProblem) => {
    if (recorded.has(request)) return;
    const caller = (request as { caller?: { issuer: string; label: string } | null }).caller ?? null;
    const errors = (problem as { errors?: unknown }).errors;
    await record({
      correlationId: request.correlationId,
      issuer: caller?.issuer ?? null,
      principal: caller?.label ?? null,
      method: request.method,
      url: request.url,
      reason: problem.reason,
      details: {
        status: problem.status,
        ...(Array.isArray(errors)
          ? {
              fields: errors.slice(0, 50).map((e: { path?: unknown; code?: unknown }) => ({
                path: String(e.path ?? '').slice(0, 128),
                code: String(e.code ?? '').slice(0, 64),
              })),
            }
          : {}),
      },
    });
  };
}

/**
 * How a gateway route refuses: the refusal is recorded (who, what, why; never a token or a body value), marked so
 * the catch-all listener does not record it twice, then thrown as the answer.
 */
export function refuser(recordRefusal: RecordRefusal) {
  return async (
    request: FastifyRequest,
    error: AppError,
    caller: Caller | null,
    details: Record<string, unknown>,
  ): Promise<never> => {
    markRefusalRecorded(request);
    await recordRefusal({
      correlationId: request.correlationId,
      issuer: caller?.issuer ?? null,
      principal: caller?.label ?? null,
      method: request.method,
      url: request.url,
      reason: error.reason,
      details,
    });
    throw error;
  };
}
