import { randomUUID } from 'node:crypto';
import { type ChainRow, type ChainVerifyResult, defineAuditChain } from '@delta/audit-chain';
import { type Db, type Logger, optionalFilters, type Queryable } from '@delta/server-kit';
import type { PortalId } from './portal-id.ts';

export interface PortalAuditEntry {
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

/** A record's columns as chained: what is hashed and stored. */
type PortalAuditRecord = {
  record_id: string;
  correlation_id: string;
  actor: string;
  action: string;
  target: string | null;
  customer_id: string | null;
  outcome: PortalAuditEntry['outcome'];
  reason: string | null;
  details: Record<string, unknown>;
  created_at: Date;
};

/** A stored row: the chained record, with its table id; PP's rows from before its chain have no seq/record_id. */
export type PortalAuditRow = Omit<PortalAuditRecord, 'record_id'> & {
  id: string;
  seq: string | null;
  record_id: string | null;
};
export type PortalAuditChainRow = ChainRow<PortalAuditRecord>;

export interface PortalAuditFilter {
  correlation_id?: string | undefined;
  customer_id?: string | undefined;
  actor?: string | undefined;
  action?: string | undefined;
  reason?: string | undefined;
  outcome?: PortalAuditEntry['outcome'] | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  /** Keyset: rows older than this id (newest first). */
  beforeId?: string | undefined;
  limit?: number | undefined;
}

// Any constant works per portal; it only has to be the same for every instance of that portal.
const LOCK_KEYS: Record<PortalId, number> = { pp: 31_877_412, cp: 31_877_413 };

const toRecord = (e: PortalAuditEntry): PortalAuditRecord => ({
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
 * A portal's audit log (`<portal>_audit`): a chain of @delta/audit-chain — the one implementation Plant's audit_log
 * uses too (group commit, the database's chain-link trigger, one advisory lock for every instance, verify).
 */
export function createPortalAudit(portal: PortalId) {
  const table = `${portal}_audit`;
  const chain = defineAuditChain<PortalAuditRecord>({
    table,
    version: `${portal}-audit/1`,
    lockKey: LOCK_KEYS[portal],
    seqConstraint: `${table}_seq_key`,
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

  /**
   * Appends records and resolves once they are committed. On the database itself records go through group commit
   * (records that arrive together share one INSERT, in call order); inside a transaction they are chained there,
   * under the chain's lock, and commit or roll back with the state change they describe. Details must never hold
   * key material: callers pass ids, masks, field names and reasons only.
   */
  async function append(
    db: Queryable,
    entries: PortalAuditEntry | readonly PortalAuditEntry[],
  ): Promise<void> {
    const list = (Array.isArray(entries) ? entries : [entries as PortalAuditEntry]).map(toRecord);
    if (!('transaction' in db)) {
      await chain.appendInTransaction(db, list);
      return;
    }
    await Promise.all(list.map((r) => chain.append(db as Db, r)));
  }

  return {
    portal,
    table,
    chain,
    append,

    /**
     * Records a refusal that changes nothing else. A database hiccup must not turn the refusal into an acceptance
     * or a 500: the caller is refused either way, and the failure to record is logged loudly instead.
     */
    async recordRefusal(db: Db, logger: Logger, entry: PortalAuditEntry): Promise<void> {
      try {
        await append(db, entry);
      } catch (err) {
        logger.error(
          { err, correlation_id: entry.correlation_id, action: entry.action, reason: entry.reason },
          `${table} write failed`,
        );
      }
    },

    /** True when this request's refusal is on record already (its route recorded it with its own reason). */
    async hasRefusalFor(db: Queryable, correlationId: string): Promise<boolean> {
      const r = await db.query(
        `SELECT 1 FROM ${table} WHERE correlation_id = $1 AND outcome IN ('denied', 'failed') LIMIT 1`,
        [correlationId],
      );
      return r.rows.length > 0;
    },

    /** Records newest first (by id: the insert order, which the chain's seq follows), filtered. */
    async list(db: Queryable, f: PortalAuditFilter): Promise<PortalAuditRow[]> {
      const { where, params } = optionalFilters([
        ['correlation_id', '=', 'text', f.correlation_id],
        ['customer_id', '=', 'text', f.customer_id],
        ['actor', '=', 'text', f.actor],
        ['action', '=', 'text', f.action],
        ['reason', '=', 'text', f.reason],
        ['outcome', '=', 'text', f.outcome],
        ['created_at', '>=', 'timestamptz', f.from],
        ['created_at', '<', 'timestamptz', f.to],
        ['id', '<', 'bigint', f.beforeId],
      ]);
      const r = await db.query<PortalAuditRow>(
        `SELECT id, seq, record_id, correlation_id, actor, action, target, customer_id, outcome, reason, details,
                created_at
           FROM ${table} WHERE ${where} ORDER BY id DESC LIMIT $${params.length + 1}`,
        [...params, f.limit ?? 200],
      );
      return r.rows;
    },

    /**
     * Recomputes the chain (the shared verifier), then checks that no unchained row was slipped in after the
     * chain began (PP's rows from before its chain are the only unchained ones the database ever accepted).
     */
    async verify(db: Queryable): Promise<ChainVerifyResult> {
      const result = await chain.verify(db);
      if (!result.ok) return result;
      const stray = await db.query<{ id: string }>(
        `SELECT id FROM ${table}
          WHERE seq IS NULL AND id > (SELECT min(id) FROM ${table} WHERE seq IS NOT NULL)
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
    },
  };
}
export type PortalAudit = ReturnType<typeof createPortalAudit>;
