import { optionalFilters, type Queryable } from '@delta/server-kit';

export interface GatewayAuditRow {
  seq: string;
  correlation_id: string;
  issuer: string | null;
  principal: string | null;
  method: string;
  path: string;
  reason: string;
  details: Record<string, unknown>;
  created_at: Date;
}

export type NewGatewayAudit = Omit<GatewayAuditRow, 'seq' | 'created_at'>;

export async function insertGatewayAudit(q: Queryable, e: NewGatewayAudit): Promise<void> {
  await q.query(
    `INSERT INTO gateway_audit (correlation_id, issuer, principal, method, path, reason, details)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [e.correlation_id, e.issuer, e.principal, e.method, e.path, e.reason, JSON.stringify(e.details)],
  );
}

/** Refusals recorded under one correlation id, oldest first. */
export async function listGatewayAuditByCorrelationId(
  q: Queryable,
  correlationId: string,
): Promise<GatewayAuditRow[]> {
  const r = await q.query<GatewayAuditRow>(
    `SELECT seq, correlation_id, issuer, principal, method, path, reason, details, created_at
     FROM gateway_audit WHERE correlation_id = $1 ORDER BY seq`,
    [correlationId],
  );
  return r.rows;
}

/** Every refusal, oldest first (tests and canary searches). */
export async function listGatewayAudit(q: Queryable, limit = 1000): Promise<GatewayAuditRow[]> {
  const r = await q.query<GatewayAuditRow>(
    `SELECT seq, correlation_id, issuer, principal, method, path, reason, details, created_at
     FROM gateway_audit ORDER BY seq LIMIT $1`,
    [limit],
  );
  return r.rows;
}

export interface GatewayAuditFilter {
  correlationId?: string | undefined;
  /** The principal label (ops:usr_…(role), customer:…). */
  principal?: string | undefined;
  /** `METHOD /path` (without the query). */
  action?: string | undefined;
  reason?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  /** Keyset: rows before this seq (newest first). */
  beforeSeq?: string | undefined;
  limit: number;
}

/** Refusals newest first, filtered (the read API PP's Audit view uses). */
export async function queryGatewayAudit(q: Queryable, f: GatewayAuditFilter): Promise<GatewayAuditRow[]> {
  const { where, params } = optionalFilters([
    ['correlation_id', '=', 'text', f.correlationId],
    ['principal', '=', 'text', f.principal],
    ["method || ' ' || split_part(path, '?', 1)", '=', 'text', f.action],
    ['reason', '=', 'text', f.reason],
    ['created_at', '>=', 'timestamptz', f.from],
    ['created_at', '<', 'timestamptz', f.to],
    ['seq', '<', 'bigint', f.beforeSeq],
  ]);
  const r = await q.query<GatewayAuditRow>(
    `SELECT seq, correlation_id, issuer, principal, method, path, reason, details, created_at
     FROM gateway_audit WHERE ${where} ORDER BY seq DESC LIMIT $${params.length + 1}`,
    [...params, f.limit],
  );
  return r.rows;
}
