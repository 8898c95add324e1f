import type { TAuditVerifyResult } from '@delta/contracts';
import type { Db } from '@delta/server-kit';
import {
  type AuditRow,
  auditChainHead,
  auditRowsAfter,
  insertAuditRows,
  isStaleChainHead,
  lockAuditChain,
  MAX_AUDIT_ROWS_PER_INSERT,
} from '../db/audit-log-repository.ts';
import { canonicalJson, sha256Hex } from './canonical-json.ts';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditEntry {
  record_id: string;
  kind: string;
  correlation_id: string;
  decision_id?: string | null;
  customer_id?: string | null;
  agent_id?: string | null;
  hired_agent_id?: string | null;
  stage?: string | null;
  action?: string | null;
  outcome?: string | null;
  reason?: string | null;
  details: Record<string, unknown>;
  recorded_at: Date;
}

/** The hash of a record: over its predecessor's hash and a canonical encoding of every stored field. */
export function recordHash(row: Omit<AuditRow, 'hash'>): string {
  return sha256Hex(
    canonicalJson({
      v: 'audit/1',
      seq: row.seq,
      record_id: row.record_id,
      kind: row.kind,
      correlation_id: row.correlation_id,
      decision_id: row.decision_id,
      customer_id: row.customer_id,
      agent_id: row.agent_id,
      hired_agent_id: row.hired_agent_id,
      stage: row.stage,
      action: row.action,
      outcome: row.outcome,
      reason: row.reason,
      details: row.details,
      recorded_at: row.recorded_at.toISOString(),
      prev_hash: row.prev_hash,
    }),
  );
}

/** A record as the caller gave it, normalised, before it has a place in the chain. */
type PreparedRecord = Omit<AuditRow, 'seq' | 'prev_hash' | 'hash'>;

interface Waiter {
  record: PreparedRecord;
  resolve: (row: AuditRow) => void;
  reject: (err: unknown) => void;
}

/** Where the chain ends: null = the chain is empty; undefined (where it is optional) = not known. */
type ChainHead = { seq: string; hash: string } | null;

function prepare(entry: AuditEntry): PreparedRecord {
  return {
    record_id: entry.record_id,
    kind: entry.kind,
    correlation_id: entry.correlation_id,
    decision_id: entry.decision_id ?? null,
    customer_id: entry.customer_id ?? null,
    agent_id: entry.agent_id ?? null,
    hired_agent_id: entry.hired_agent_id ?? null,
    stage: entry.stage ?? null,
    action: entry.action ?? null,
    outcome: entry.outcome ?? null,
    reason: entry.reason ?? null,
    // Round-trip through JSON so the hashed value is exactly what jsonb will give back.
    details: JSON.parse(JSON.stringify(entry.details)) as Record<string, unknown>,
    recorded_at: new Date(entry.recorded_at.getTime()),
  };
}

/** Gives the records consecutive places after `head`, each linked to the one before and hashed. */
function chainOn(head: ChainHead, records: readonly PreparedRecord[]): AuditRow[] {
  let seq = head ? BigInt(head.seq) : 0n;
  let prevHash = head?.hash ?? GENESIS_HASH;
  return records.map((record) => {
    seq += 1n;
    const base: Omit<AuditRow, 'hash'> = { ...record, seq: seq.toString(), prev_hash: prevHash };
    const row: AuditRow = { ...base, hash: recordHash(base) };
    prevHash = row.hash;
    return row;
  });
}

export interface AuditAppender {
  /** Resolves with the stored record once its batch is committed; rejects if it was not stored. */
  append(entry: AuditEntry): Promise<AuditRow>;
}

/** How often a batch chained on a stale head is retried on the locked path before its callers get the error. */
const STALE_HEAD_RETRIES = 3;

/**
 * A group-commit appender for one database. appendAudit uses one per Db; make another only to act as an
 * independent writer (a second Plant instance, in tests).
 *
 * How it works. append() queues the record in memory. One flush loop takes everything queued (at most
 * MAX_AUDIT_ROWS_PER_INSERT rows), chains it on the cached head (seq, hash) and writes it with ONE multi-row
 * INSERT outside any explicit transaction: one round trip for the whole batch. Records that arrive while a flush
 * is in flight wait for the next one, so under load batches grow and a record costs a fraction of a round trip;
 * alone, a record costs one. Each caller's promise settles after its batch: resolved with its own row once the
 * INSERT has committed, rejected with the database error otherwise. The head is read when not cached.
 *
 * Why it is safe. The database, not this cache, guarantees the chain: seq is the primary key (no fork) and the
 * chain-link trigger (migration 0004) refuses a row whose prev_hash is not its predecessor's hash, or whose
 * predecessor is missing. A multi-row INSERT is atomic, so a refused batch leaves nothing behind. When the cache
 * is stale (another instance appended), the INSERT fails on exactly those two checks; the cache is dropped and the
 * batch retried on the locked path: BEGIN; advisory lock; read the head; insert; COMMIT. The fast INSERT takes the
 * same advisory lock for the span of its statement, so it cannot slip in between a locked appender's head read
 * and its insert: the locked path succeeds at its first try against other appenders. If a batch fails for
 * another reason (a value the database refuses, a lost connection), its records are retried one by one, so one
 * bad record fails only its own caller; a record whose insert failed is never reported as appended (when the
 * outcome is unknown, e.g. the connection dropped after the INSERT was sent, the caller gets the error and a retry
 * is refused by the unique record_id, so it cannot be stored twice).
 */
export function createAuditAppender(db: Db): AuditAppender {
  const queue: Waiter[] = [];
  // undefined: not known (at start, and after any failure); the next fast-path write reads it first.
  let head: ChainHead | undefined;
  let flushing = false;

  /** Fast path: one INSERT on the cached (or just read) head. */
  async function insertOnCachedHead(records: PreparedRecord[]): Promise<AuditRow[]> {
    const from = head !== undefined ? head : ((await auditChainHead(db)) ?? null);
    const rows = chainOn(from, records);
    await insertAuditRows(db, rows);
    return rows;
  }

  /** Locked path: the head read under the chain's advisory lock, so no cooperating appender can move it. */
  function insertUnderLock(records: PreparedRecord[]): Promise<AuditRow[]> {
    return db.transaction(async (tx) => {
      await lockAuditChain(tx);
      const rows = chainOn((await auditChainHead(tx)) ?? null, records);
      await insertAuditRows(tx, rows);
      return rows;
    });
  }

  async function write(batch: Waiter[]): Promise<void> {
    const records = batch.map((w) => w.record);
    for (let attempt = 0; ; attempt++) {
      let rows: AuditRow[];
      try {
        rows = attempt === 0 ? await insertOnCachedHead(records) : await insertUnderLock(records);
      } catch (err) {
        head = undefined;
        if (isStaleChainHead(err) && attempt < STALE_HEAD_RETRIES) continue;
        if (batch.length > 1) {
          for (const w of batch) await write([w]);
        } else {
          batch[0]?.reject(err);
        }
        return;
      }
      const last = rows[rows.length - 1];
      head = last ? { seq: last.seq, hash: last.hash } : head;
      for (const [i, w] of batch.entries()) w.resolve(rows[i] as AuditRow);
      return;
    }
  }

  async function flushLoop(): Promise<void> {
    try {
      while (queue.length > 0) {
        const batch = queue.splice(0, MAX_AUDIT_ROWS_PER_INSERT);
        try {
          await write(batch);
        } catch (err) {
          // write() settles every waiter itself; this only guards against a bug there leaving callers hanging.
          head = undefined;
          for (const w of batch) w.reject(err);
        }
      }
    } finally {
      flushing = false;
    }
  }

  return {
    append(entry) {
      let record: PreparedRecord;
      try {
        record = prepare(entry);
      } catch (err) {
        return Promise.reject(err);
      }
      return new Promise<AuditRow>((resolve, reject) => {
        queue.push({ record, resolve, reject });
        if (!flushing) {
          flushing = true;
          // Start on a microtask, so appends made in the same tick share the first batch.
          queueMicrotask(() => void flushLoop());
        }
      });
    },
  };
}

const appenders = new WeakMap<Db, AuditAppender>();

/**
 * Appends one record at the head of the chain, through the database's group-commit appender (see
 * createAuditAppender): resolves with the stored record once it is committed, rejects if it was not stored.
 */
export function appendAudit(db: Db, entry: AuditEntry): Promise<AuditRow> {
  let appender = appenders.get(db);
  if (!appender) {
    appender = createAuditAppender(db);
    appenders.set(db, appender);
  }
  return appender.append(entry);
}

/** Recomputes the whole chain in pages and names the first record that does not fit. */
export async function verifyAuditChain(db: Db, pageSize = 500): Promise<TAuditVerifyResult> {
  let prevHash = GENESIS_HASH;
  let prevSeq = 0n;
  let checked = 0;
  let head: { seq: string; hash: string } | null = null;
  for (;;) {
    const rows = await auditRowsAfter(db, prevSeq.toString(), pageSize);
    for (const row of rows) {
      const broken = (problem: 'hash_mismatch' | 'prev_hash_mismatch' | 'sequence_gap', detail: string) => ({
        ok: false,
        records_checked: checked,
        head_seq: head?.seq ?? null,
        head_hash: head?.hash ?? null,
        first_broken: { seq: row.seq, record_id: row.record_id, problem, detail },
      });
      const seq = BigInt(row.seq);
      if (seq !== prevSeq + 1n) {
        return broken('sequence_gap', `expected seq ${prevSeq + 1n}, found ${row.seq}: records are missing`);
      }
      if (row.prev_hash !== prevHash) {
        return broken('prev_hash_mismatch', 'prev_hash does not equal the previous record hash');
      }
      const { hash, ...rest } = row;
      if (recordHash(rest) !== hash) {
        return broken('hash_mismatch', 'the record content no longer matches its hash: it was altered');
      }
      checked++;
      prevHash = hash;
      prevSeq = seq;
      head = { seq: row.seq, hash };
    }
    if (rows.length < pageSize) break;
  }
  return {
    ok: true,
    records_checked: checked,
    head_seq: head?.seq ?? null,
    head_hash: head?.hash ?? null,
    first_broken: null,
  };
}
