import type { Queryable } from '@delta/server-kit';

export interface AuditRow {
  seq: string;
  record_id: string;
  kind: string;
  correlation_id: string;
  decision_id: string | null;
  customer_id: string | null;
  agent_id: string | null;
  hired_agent_id: string | null;
  stage: string | null;
  action: string | null;
  outcome: string | null;
  reason: string | null;
  details: Record<string, unknown>;
  recorded_at: Date;
  prev_hash: string;
  hash: string;
}

const COLUMNS = `seq, record_id, kind, correlation_id, decision_id, customer_id, agent_id, hired_agent_id, stage,
  action, outcome, reason, details, recorded_at, prev_hash, hash`;

// Any constant works; it only has to be the same for every Plant instance sharing the database.
const AUDIT_CHAIN_LOCK_KEY = 58_210_977;

/**
 * Serialises appenders across connections and instances until the transaction ends, so each record links to
 * the true head and the chain never forks. Used by the appender's locked path (after its cached head turned out
 * stale); insertAuditRows takes the same lock for the span of its one statement.
 */
export async function lockAuditChain(tx: Queryable): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_CHAIN_LOCK_KEY]);
}

export async function auditChainHead(q: Queryable): Promise<{ seq: string; hash: string } | undefined> {
  const r = await q.query<{ seq: string; hash: string }>(
    'SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1',
  );
  return r.rows[0];
}

// The parameter type of each column, in COLUMNS order. A VALUES list inside a subquery does not take its types
// from the target columns (INSERT ... VALUES would), so every parameter is cast.
const COLUMN_TYPES = [
  'bigint', // seq
  'uuid', // record_id
  'text', // kind
  'text', // correlation_id
  'uuid', // decision_id
  'text', // customer_id
  'text', // agent_id
  'uuid', // hired_agent_id
  'text', // stage
  'text', // action
  'text', // outcome
  'text', // reason
  'jsonb', // details
  'timestamptz', // recorded_at
  'text', // prev_hash
  'text', // hash
] as const;

/** The most rows insertAuditRows takes at once (16 parameters each, well under the protocol's 65 535). */
export const MAX_AUDIT_ROWS_PER_INSERT = 500;

/**
 * Inserts consecutive records in ONE statement (one round trip, atomic: all rows or none). Rows must be in seq
 * order: they are inserted in VALUES order, and the chain-link trigger checks each against the row before it.
 * The statement takes the chain's advisory lock before its first row (a per-row filter; re-taking a held lock is
 * a no-op), so it waits for a locked-path appender and never slips in between its head read and its insert; in
 * autocommit the lock is released when the statement ends.
 */
export async function insertAuditRows(q: Queryable, rows: readonly AuditRow[]): Promise<void> {
  if (rows.length === 0) return;
  if (rows.length > MAX_AUDIT_ROWS_PER_INSERT)
    throw new Error(`insertAuditRows: at most ${MAX_AUDIT_ROWS_PER_INSERT} rows per statement`);
  const params: unknown[] = [AUDIT_CHAIN_LOCK_KEY];
  const tuples = rows.map((row) => {
    const base = params.length;
    params.push(
      row.seq,
      row.record_id,
      row.kind,
      row.correlation_id,
      row.decision_id,
      row.customer_id,
      row.agent_id,
      row.hired_agent_id,
      row.stage,
      row.action,
      row.outcome,
      row.reason,
      JSON.stringify(row.details),
      row.recorded_at,
      row.prev_hash,
      row.hash,
    );
    const cells = COLUMN_TYPES.map((type, i) => `$${base + i + 1}::${type}`);
    return `(${cells.join(', ')})`;
  });
  await q.query(
    `INSERT INTO audit_log (${COLUMNS})
     SELECT * FROM (VALUES ${tuples.join(',\n')}) AS v
     WHERE pg_advisory_xact_lock($1) IS NOT NULL`,
    params,
  );
}

/**
 * True when an insert failed because its rows were chained on a head that is no longer the head (another
 * appender, e.g. another Plant instance, wrote first): the seq is taken (primary key) or the chain-link trigger
 * refused the link. Retrying with the true head fixes it; any other error would fail again.
 */
export function isStaleChainHead(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, constraint } = err as { code?: unknown; constraint?: unknown };
  return (
    (code === '23505' && constraint === 'audit_log_pkey') ||
    (code === '23000' && constraint === 'audit_log_chain_link')
  );
}

/** A page of the chain in order, for verification. */
export async function auditRowsAfter(q: Queryable, afterSeq: string, limit: number): Promise<AuditRow[]> {
  const r = await q.query<AuditRow>(`SELECT ${COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2`, [
    afterSeq,
    limit,
  ]);
  return r.rows;
}

export interface DecisionFilter {
  outcome?: 'allow' | 'deny' | undefined;
  correlationId?: string | undefined;
  customerId?: string | undefined;
  agentId?: string | undefined;
  action?: string | undefined;
  stage?: string | undefined;
  reason?: string | undefined;
  decisionId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  afterSeq?: string | undefined;
  limit: number;
}

export async function listPolicyDecisions(q: Queryable, f: DecisionFilter): Promise<AuditRow[]> {
  const r = await q.query<AuditRow>(
    `SELECT ${COLUMNS} FROM audit_log
     WHERE kind = 'policy_decision'
       AND ($1::text IS NULL OR outcome = $1)
       AND ($2::text IS NULL OR correlation_id = $2)
       AND ($3::text IS NULL OR customer_id = $3)
       AND ($4::text IS NULL OR agent_id = $4)
       AND ($5::text IS NULL OR action = $5)
       AND ($6::text IS NULL OR stage = $6)
       AND ($7::text IS NULL OR reason = $7)
       AND ($8::uuid IS NULL OR decision_id = $8)
       AND ($9::timestamptz IS NULL OR recorded_at >= $9)
       AND ($10::timestamptz IS NULL OR recorded_at < $10)
       AND ($11::bigint IS NULL OR seq > $11)
     ORDER BY seq
     LIMIT $12`,
    [
      f.outcome ?? null,
      f.correlationId ?? null,
      f.customerId ?? null,
      f.agentId ?? null,
      f.action ?? null,
      f.stage ?? null,
      f.reason ?? null,
      f.decisionId ?? null,
      f.from ?? null,
      f.to ?? null,
      f.afterSeq ?? null,
      f.limit,
    ],
  );
  return r.rows;
}

export async function countAuditRecords(
  q: Queryable,
  filter: { decisionId?: string; correlationId?: string },
) {
  const r = await q.query<{ n: string }>(
    `SELECT count(*) AS n FROM audit_log
     WHERE ($1::uuid IS NULL OR decision_id = $1) AND ($2::text IS NULL OR correlation_id = $2)`,
    [filter.decisionId ?? null, filter.correlationId ?? null],
  );
  return Number(r.rows[0]?.n ?? 0);
}
