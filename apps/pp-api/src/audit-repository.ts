import { randomUUID } from 'node:crypto';
import { type ChainRow, type ChainVerifyResult, defineAuditChain } from '@delta/audit-chain';
import type { Db, Logger, Queryable } from '@delta/server-kit';

export interface PpAuditEntry {
  correlation_id: string;
  actor: string;
  action: string;
  target?: string | null;
  /** The customer the action concerns, when there is one (the Audit view filters on it). */
  customer_id?: string | null;
  outcome: 'allowed' | 'denied' | 'failed';
  reason?: string | null;
  details?: Record<string, unknown>;
}

/** A record's columns as chained (migration 0002): what is hashed and stored. */
type PpAuditRecord = {
  record_id: string;
  correlation_id: string;
  actor: string;
  action: string;
  target: string | null;
  customer_id: string | null;
  outcome: PpAuditEntry['outcome'];
  reason: string | null;
  details: Record<string, unknown>;
  created_at: Date;
};

/**
 * pp_audit as a chain of @delta/audit-chain — the one implementation Plant's audit_log uses too (group commit,
 * the chain-link trigger of migration 0002, one advisory lock for every PP instance, verify).
 */
export const PP_AUDIT_CHAIN = defineAuditChain<PpAuditRecord>({
  table: 'pp_audit',
  version: 'pp-audit/1',
  // Any constant works; it only has to be the same for every PP instance sharing the database.
  lockKey: 31_877_412,
  seqConstraint: 'pp_audit_seq_key',
  columns: [
    { name: 'record_id', type: 'uuid' },
    { name: 'correlation_id', type: 'text' },
    { name: 'actor', type: 'text' },
    { name: 'action', type: 'text' },
    { name: 'target', type: 'text' },
    { name: 'customer_id', type: 'text' },
    { name: 'outcome', type: 'text' },
    { name: 'reason', type: 'text' },
    { name: 'details', type: 'jsonb' },
    { name: 'created_at', type: 'timestamptz' },
  ],
});

const toRecord = (e: PpAuditEntry): PpAuditRecord => ({
  record_id: randomUUID(),
  correlation_id: e.correlation_id,
  actor: e.actor,
  action: e.action,
  target: e.target ?? null,
  customer_id: e.customer_id ?? null,
  outcome: e.outcome,
  reason: e.reason ?? null,
  details: e.details ?? {},
  created_at: new Date(),
});

/**
 * Appends audit records to PP's chain and resolves once they are committed. On the database itself records go
 * through group commit (records that arrive together share one INSERT, in call order); inside a transaction they
 * are chained there, under the chain's lock, and commit or roll back with the state change they describe.
 * Details must never hold key material: callers pass ids, masks, field names and reasons only.
 */
export async function appendAudit(
  db: Queryable,
  entries: PpAuditEntry | readonly PpAuditEntry[],
): Promise<void> {
  const list = (Array.isArray(entries) ? entries : [entries as PpAuditEntry]).map(toRecord);
  if (!('transaction' in db)) {
    await PP_AUDIT_CHAIN.appendInTransaction(db, list);
    return;
  }
  await Promise.all(list.map((r) => PP_AUDIT_CHAIN.append(db as Db, r)));
}

/**
 * Records a refusal that changes nothing else. A database hiccup must not turn the refusal into an acceptance or
 * a 500: the caller is refused either way, and the failure to record is logged loudly instead.
 */
export async function recordRefusal(db: Db, logger: Logger, entry: PpAuditEntry): Promise<void> {
  try {
    await appendAudit(db, entry);
  } catch (err) {
    logger.error(
      { err, correlation_id: entry.correlation_id, action: entry.action, reason: entry.reason },
      'pp audit write failed',
    );
  }
}

/** A stored row: the chained record, with its table id; rows from before migration 0002 have no seq/record_id. */
export type PpAuditRow = Omit<PpAuditRecord, 'record_id'> & {
  id: string;
  seq: string | null;
  record_id: string | null;
};

export interface PpAuditFilter {
  correlation_id?: string | undefined;
  customer_id?: string | undefined;
  actor?: string | undefined;
  action?: string | undefined;
  reason?: string | undefined;
  outcome?: PpAuditEntry['outcome'] | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  /** Keyset: rows older than this id (newest first). */
  beforeId?: string | undefined;
  limit?: number | undefined;
}

/** Records newest first (by id: the insert order, which the chain's seq follows), filtered. */
export async function listAudit(db: Queryable, f: PpAuditFilter): Promise<PpAuditRow[]> {
  const r = await db.query<PpAuditRow>(
    `SELECT id, seq, record_id, correlation_id, actor, action, target, customer_id, outcome, reason, details,
            created_at
       FROM pp_audit
      WHERE ($1::text IS NULL OR correlation_id = $1)
        AND ($2::text IS NULL OR customer_id = $2)
        AND ($3::text IS NULL OR actor = $3)
        AND ($4::text IS NULL OR action = $4)
        AND ($5::text IS NULL OR reason = $5)
        AND ($6::text IS NULL OR outcome = $6)
        AND ($7::timestamptz IS NULL OR created_at >= $7)
        AND ($8::timestamptz IS NULL OR created_at < $8)
        AND ($9::bigint IS NULL OR id < $9)
      ORDER BY id DESC
      LIMIT $10`,
    [
      f.correlation_id ?? null,
      f.customer_id ?? null,
      f.actor ?? null,
      f.action ?? null,
      f.reason ?? null,
      f.outcome ?? null,
      f.from ?? null,
      f.to ?? null,
      f.beforeId ?? null,
      f.limit ?? 200,
    ],
  );
  return r.rows;
}

export type PpAuditChainRow = ChainRow<PpAuditRecord>;

/**
 * Recomputes PP's chain (the shared verifier), then checks that no unchained row was slipped in after the chain
 * began (rows from before migration 0002 are the only unchained ones the database ever accepted).
 */
export async function verifyPpAudit(db: Queryable): Promise<ChainVerifyResult> {
  const result = await PP_AUDIT_CHAIN.verify(db);
  if (!result.ok) return result;
  const stray = await db.query<{ id: string }>(
    `SELECT id FROM pp_audit
      WHERE seq IS NULL AND id > (SELECT min(id) FROM pp_audit WHERE seq IS NOT NULL)
      ORDER BY id LIMIT 1`,
  );
  const row = stray.rows[0];
  if (!row) return result;
  return {
    ...result,
    ok: false,
    first_broken: {
      seq: `id:${row.id}`,
      record_id: '',
      problem: 'sequence_gap',
      detail: `row id ${row.id} is not chained but was written after the chain began: it was inserted around the chain`,
    },
  };
}
