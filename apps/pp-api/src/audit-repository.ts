import type { Queryable } from '@delta/server-kit';

export interface PpAuditEntry {
  correlation_id: string;
  actor: string;
  action: string;
  target?: string | null;
  outcome: 'allowed' | 'denied' | 'failed';
  reason?: string | null;
  details?: Record<string, unknown>;
}

/**
 * Appends audit rows (one statement for several). Details must never hold key material: callers pass ids, masks
 * and reasons only.
 */
export async function appendAudit(
  db: Queryable,
  entries: PpAuditEntry | readonly PpAuditEntry[],
): Promise<void> {
  const list = Array.isArray(entries) ? entries : [entries as PpAuditEntry];
  if (list.length === 0) return;
  const params: unknown[] = [];
  const rows = list.map((e) => {
    const at = params.length;
    params.push(
      e.correlation_id,
      e.actor,
      e.action,
      e.target ?? null,
      e.outcome,
      e.reason ?? null,
      JSON.stringify(e.details ?? {}),
    );
    return `(${Array.from({ length: 7 }, (_, i) => `$${at + i + 1}`).join(', ')})`;
  });
  await db.query(
    `INSERT INTO pp_audit (correlation_id, actor, action, target, outcome, reason, details)
     VALUES ${rows.join(', ')}`,
    params,
  );
}

export interface PpAuditRow extends Required<Omit<PpAuditEntry, 'details'>> {
  id: string;
  details: Record<string, unknown>;
  created_at: Date;
}

export async function listAudit(
  db: Queryable,
  filter: { correlation_id?: string; limit?: number },
): Promise<PpAuditRow[]> {
  const r = await db.query<PpAuditRow>(
    `SELECT id, correlation_id, actor, action, target, outcome, reason, details, created_at FROM pp_audit
      WHERE ($1::text IS NULL OR correlation_id = $1) ORDER BY id DESC LIMIT $2`,
    [filter.correlation_id ?? null, filter.limit ?? 200],
  );
  return r.rows;
}
