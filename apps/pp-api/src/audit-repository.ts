import { createBatchInserter, type Queryable } from '@delta/server-kit';

export interface PpAuditEntry {
  correlation_id: string;
  actor: string;
  action: string;
  target?: string | null;
  outcome: 'allowed' | 'denied' | 'failed';
  reason?: string | null;
  details?: Record<string, unknown>;
}

const AUDIT_COLUMNS = [
  'correlation_id',
  'actor',
  'action',
  'target',
  'outcome',
  'reason',
  'details',
] as const;
const auditValues = (e: PpAuditEntry) => [
  e.correlation_id,
  e.actor,
  e.action,
  e.target ?? null,
  e.outcome,
  e.reason ?? null,
  JSON.stringify(e.details ?? {}),
];
const batchers = new WeakMap<Queryable, (e: PpAuditEntry) => Promise<void>>();

/**
 * Appends audit rows and resolves once they are committed. On the database itself rows go through group commit
 * (rows that arrive together share one INSERT, in call order); inside a transaction they are inserted there.
 * Details must never hold key material: callers pass ids, masks and reasons only.
 */
export async function appendAudit(
  db: Queryable,
  entries: PpAuditEntry | readonly PpAuditEntry[],
): Promise<void> {
  const list = Array.isArray(entries) ? entries : [entries as PpAuditEntry];
  if (!('transaction' in db)) {
    for (const e of list) {
      await db.query(
        `INSERT INTO pp_audit (${AUDIT_COLUMNS.join(', ')}) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        auditValues(e),
      );
    }
    return;
  }
  let insert = batchers.get(db);
  if (!insert) {
    insert = createBatchInserter(db, { table: 'pp_audit', columns: AUDIT_COLUMNS, values: auditValues });
    batchers.set(db, insert);
  }
  await Promise.all(list.map(insert));
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
