import { defineAuditChain } from '@delta/audit-chain';
import { optionalFilters, type Queryable } from '@delta/server-kit';

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

/** A record's own columns (everything but its place in the chain). */
export type PlantAuditRecord = Omit<AuditRow, 'seq' | 'prev_hash' | 'hash'>;

/**
 * Plant's audit_log as a chain of @delta/audit-chain (the one implementation PP's pp_audit uses too). The column
 * list, the hash tag and the lock key are those of migrations 0001/0004: records stored before the mechanism was
 * shared hash to the same values.
 */
export const PLANT_AUDIT_CHAIN = defineAuditChain<PlantAuditRecord>({
  table: 'audit_log',
  version: 'audit/1',
  // Any constant works; it only has to be the same for every Plant instance sharing the database.
  lockKey: 58_210_977,
  columns: [
    { name: 'record_id', type: 'uuid' },
    { name: 'kind', type: 'text' },
    { name: 'correlation_id', type: 'text' },
    { name: 'decision_id', type: 'uuid' },
    { name: 'customer_id', type: 'text' },
    { name: 'agent_id', type: 'text' },
    { name: 'hired_agent_id', type: 'uuid' },
    { name: 'stage', type: 'text' },
    { name: 'action', type: 'text' },
    { name: 'outcome', type: 'text' },
    { name: 'reason', type: 'text' },
    { name: 'details', type: 'jsonb' },
    { name: 'recorded_at', type: 'timestamptz' },
  ],
});

/** A page of the chain in order, for verification. */
export async function auditRowsAfter(q: Queryable, afterSeq: string, limit: number): Promise<AuditRow[]> {
  return (await PLANT_AUDIT_CHAIN.rowsAfter(q, afterSeq, limit)) as unknown as AuditRow[];
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
  const { where, params } = optionalFilters([
    ['outcome', '=', 'text', f.outcome],
    ['correlation_id', '=', 'text', f.correlationId],
    ['customer_id', '=', 'text', f.customerId],
    ['agent_id', '=', 'text', f.agentId],
    ['action', '=', 'text', f.action],
    ['stage', '=', 'text', f.stage],
    ['reason', '=', 'text', f.reason],
    ['decision_id', '=', 'uuid', f.decisionId],
    ['recorded_at', '>=', 'timestamptz', f.from],
    ['recorded_at', '<', 'timestamptz', f.to],
    ['seq', '>', 'bigint', f.afterSeq],
  ]);
  const r = await q.query<AuditRow>(
    `SELECT ${COLUMNS} FROM audit_log WHERE kind = 'policy_decision' AND ${where}
     ORDER BY seq LIMIT $${params.length + 1}`,
    [...params, f.limit],
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

export interface AuditRecordFilter {
  correlationId?: string | undefined;
  customerId?: string | undefined;
  /** The principal label a refusal or an access denial recorded (details.principal). */
  actor?: string | undefined;
  action?: string | undefined;
  reason?: string | undefined;
  kind?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  /** Keyset: records before this seq (newest first). */
  beforeSeq?: string | undefined;
  limit: number;
}

/** Records of every kind, newest first. */
export async function listAuditRecords(q: Queryable, f: AuditRecordFilter): Promise<AuditRow[]> {
  const { where, params } = optionalFilters([
    ['correlation_id', '=', 'text', f.correlationId],
    ['customer_id', '=', 'text', f.customerId],
    ["details->>'principal'", '=', 'text', f.actor],
    ['action', '=', 'text', f.action],
    ['reason', '=', 'text', f.reason],
    ['kind', '=', 'text', f.kind],
    ['recorded_at', '>=', 'timestamptz', f.from],
    ['recorded_at', '<', 'timestamptz', f.to],
    ['seq', '<', 'bigint', f.beforeSeq],
  ]);
  const r = await q.query<AuditRow>(
    `SELECT ${COLUMNS} FROM audit_log WHERE ${where} ORDER BY seq DESC LIMIT $${params.length + 1}`,
    [...params, f.limit],
  );
  return r.rows;
}

/**
 * The kinds of record a customer's own story shows: the decisions on its runs, its setup, its agent's brake, its
 * proposals and executions. Never the refusals and access denials, which name other principals.
 */
export const CUSTOMER_STORY_KINDS = [
  'policy_decision',
  'customer.%',
  'agent_setup.%',
  'hired_agent.%',
  'proposal.%',
  'execution.%',
];

export async function listCustomerStory(
  q: Queryable,
  f: { customerId: string; beforeSeq?: string | undefined; limit: number },
): Promise<AuditRow[]> {
  const r = await q.query<AuditRow>(
    `SELECT ${COLUMNS} FROM audit_log
     WHERE customer_id = $1 AND kind LIKE ANY ($2::text[]) AND ($3::bigint IS NULL OR seq < $3)
     ORDER BY seq DESC LIMIT $4`,
    [f.customerId, CUSTOMER_STORY_KINDS, f.beforeSeq ?? null, f.limit],
  );
  return r.rows;
}
