import type { Db, Logger } from '@delta/server-kit';
import { redactRequestUrl } from './credential-firewall.ts';
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
        path: redactRequestUrl(r.url).slice(0, 2048),
        reason: r.reason,
        details: r.details,
      });
    } catch (err) {
      logger.error({ err, correlation_id: r.correlationId, reason: r.reason }, 'gateway audit write failed');
    }
  };
}
