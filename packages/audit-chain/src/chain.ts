import type { Db, Queryable } from '@delta/server-kit';
import { canonicalJson, sha256Hex } from './canonical-json.ts';

export const GENESIS_HASH = '0'.repeat(64);

/** A record column of a chained table, in table order, with the SQL type its parameter is cast to. */
export interface ChainColumn {
  name: string;
  type: string;
}

/**
 * One hash-chained, append-only table. Besides the record columns it has `seq` (bigint, unique: its place in the
 * chain), `prev_hash` and `hash` (text, sha256 hex). The table's migration must also install a row-level BEFORE
 * INSERT trigger refusing a row whose prev_hash is not its predecessor's hash (or whose predecessor is missing),
 * raised with ERRCODE integrity_constraint_violation and CONSTRAINT `${table}_chain_link`.
 */
export interface AuditChainSpec {
  /** The table (a trusted identifier from code, never from input). */
  table: string;
  /** Tag hashed into every record, naming the hash format (e.g. 'audit/1'). */
  version: string;
  /** The advisory lock every writer of this chain takes; any constant, the same for every instance. */
  lockKey: number;
  /** The record columns, in table order; must include `record_id` (unique). */
  columns: readonly ChainColumn[];
  /** The unique constraint on seq (default `${table}_pkey`, seq being the primary key). */
  seqConstraint?: string;
}

/** A record as a caller gives it: the record columns (missing optional ones become null). */
export type ChainRecord = { record_id: string } & Record<string, unknown>;

/** A stored record: its columns plus its place in the chain. */
export type ChainRow<R extends ChainRecord> = R & { seq: string; prev_hash: string; hash: string };

export interface ChainBreak {
  seq: string;
  record_id: string;
  problem: 'hash_mismatch' | 'prev_hash_mismatch' | 'sequence_gap';
  detail: string;
}

export interface ChainVerifyResult {
  ok: boolean;
  records_checked: number;
  head_seq: string | null;
  head_hash: string | null;
  first_broken: ChainBreak | null;
}

export interface AuditAppender<R extends ChainRecord> {
  /** Resolves with the stored record once its batch is committed; rejects if it was not stored. */
  append(record: R): Promise<ChainRow<R>>;
}

/** Where the chain ends: null = the chain is empty. */
type ChainHead = { seq: string; hash: string } | null;

/** The most rows one INSERT takes (the protocol allows 65 535 parameters per statement). */
const MAX_PARAMS = 65_535;

/** How often a batch chained on a stale head is retried on the locked path before its callers get the error. */
const STALE_HEAD_RETRIES = 3;

export interface AuditChain<R extends ChainRecord> {
  readonly spec: AuditChainSpec;
  /** The most rows insertRows takes at once. */
  readonly maxRowsPerInsert: number;
  /** The hash of a record: over its predecessor's hash and a canonical encoding of every stored column. */
  recordHash(row: Omit<ChainRow<R>, 'hash'>): string;
  /** The record as it will be stored (and hashed): missing columns null, JSON round-tripped, dates copied. */
  prepare(record: R): R;
  /** Serialises writers across connections and instances until the transaction ends. */
  lock(tx: Queryable): Promise<void>;
  head(q: Queryable): Promise<{ seq: string; hash: string } | undefined>;
  /** Inserts consecutive rows in ONE statement (atomic), taking the chain's lock for its span. */
  insertRows(q: Queryable, rows: readonly ChainRow<R>[]): Promise<void>;
  /** True when an insert failed because its rows were chained on a head that is no longer the head. */
  isStaleHead(err: unknown): boolean;
  /** A page of the chain in order (verification). */
  rowsAfter(q: Queryable, afterSeq: string, limit: number): Promise<ChainRow<R>[]>;
  /** A group-commit appender for one database (see createAppender's description below). */
  createAppender(db: Db): AuditAppender<R>;
  /** Appends through the database's own group-commit appender; resolves once committed. */
  append(db: Db, record: R): Promise<ChainRow<R>>;
  /**
   * Appends inside the caller's transaction (with the state change the records describe): takes the chain's
   * lock, reads the head, inserts. Committed or rolled back with the transaction; the lock is held until then.
   */
  appendInTransaction(tx: Queryable, records: readonly R[]): Promise<ChainRow<R>[]>;
  /** Recomputes the whole chain in pages and names the first record that does not fit. */
  verify(q: Queryable, pageSize?: number): Promise<ChainVerifyResult>;
}

/**
 * The audit chain mechanism, one implementation for every service (Plant's audit_log, PP's pp_audit).
 *
 * Group commit. append() queues the record in memory. One flush loop takes everything queued (at most
 * maxRowsPerInsert rows), chains it on the cached head (seq, hash) and writes it with ONE multi-row INSERT outside
 * any explicit transaction: one round trip for the whole batch. Records that arrive while a flush is in flight
 * wait for the next one, so under load batches grow and a record costs a fraction of a round trip; alone, a record
 * costs one. Each caller's promise settles after its batch: resolved with its own row once the INSERT has
 * committed, rejected with the database error otherwise. The head is read when not cached.
 *
 * Why it is safe. The database, not this cache, guarantees the chain: seq is unique (no fork) and the chain-link
 * trigger refuses a row whose prev_hash is not its predecessor's hash, or whose predecessor is missing. A multi-row
 * INSERT is atomic, so a refused batch leaves nothing behind. When the cache is stale (another instance appended,
 * or a transaction did), the INSERT fails on exactly those two checks; the cache is dropped and the batch retried
 * on the locked path: BEGIN; advisory lock; read the head; insert; COMMIT. The fast INSERT takes the same advisory
 * lock for the span of its statement, so it cannot slip in between a locked appender's head read and its insert.
 * If a batch fails for another reason (a value the database refuses, a lost connection), its records are retried
 * one by one, so one bad record fails only its own caller; a record whose insert failed is never reported as
 * appended (when the outcome is unknown the caller gets the error, and a retry is refused by the unique
 * record_id, so it cannot be stored twice).
 */
export function defineAuditChain<R extends ChainRecord>(spec: AuditChainSpec): AuditChain<R> {
  const names = spec.columns.map((c) => c.name);
  if (!names.includes('record_id'))
    throw new Error(`${spec.table}: a chained table needs a record_id column`);
  for (const n of [...names, spec.table])
    if (!/^[a-z_][a-z0-9_]*$/.test(n)) throw new Error(`audit chain: "${n}" is not a plain identifier`);
  const columnList = ['seq', ...names, 'prev_hash', 'hash'].join(', ');
  const types = ['bigint', ...spec.columns.map((c) => c.type), 'text', 'text'];
  const maxRowsPerInsert = Math.min(500, Math.floor((MAX_PARAMS - 1) / types.length));
  const seqConstraint = spec.seqConstraint ?? `${spec.table}_pkey`;
  const linkConstraint = `${spec.table}_chain_link`;

  function recordHash(row: Omit<ChainRow<R>, 'hash'>): string {
    const fields: Record<string, unknown> = { v: spec.version, seq: row.seq, prev_hash: row.prev_hash };
    for (const c of spec.columns) fields[c.name] = (row as Record<string, unknown>)[c.name] ?? null;
    return sha256Hex(canonicalJson(fields));
  }

  function prepare(record: R): R {
    const out: Record<string, unknown> = {};
    for (const c of spec.columns) {
      const v = record[c.name];
      if (v === undefined || v === null) out[c.name] = null;
      // Round-trip through JSON so the hashed value is exactly what jsonb will give back.
      else if (c.type === 'jsonb') out[c.name] = JSON.parse(JSON.stringify(v));
      else if (v instanceof Date) out[c.name] = new Date(v.getTime());
      else out[c.name] = v;
    }
    return out as R;
  }

  /** Gives the records consecutive places after `head`, each linked to the one before and hashed. */
  function chainOn(head: ChainHead, records: readonly R[]): ChainRow<R>[] {
    let seq = head ? BigInt(head.seq) : 0n;
    let prevHash = head?.hash ?? GENESIS_HASH;
    return records.map((record) => {
      seq += 1n;
      const base = { ...record, seq: seq.toString(), prev_hash: prevHash } as Omit<ChainRow<R>, 'hash'>;
      const row = { ...base, hash: recordHash(base) } as ChainRow<R>;
      prevHash = row.hash;
      return row;
    });
  }

  async function lock(tx: Queryable): Promise<void> {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [spec.lockKey]);
  }

  async function head(q: Queryable) {
    const r = await q.query<{ seq: string; hash: string }>(
      `SELECT seq, hash FROM ${spec.table} WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1`,
    );
    return r.rows[0];
  }

  // A VALUES list inside a subquery does not take its types from the target columns (INSERT ... VALUES would), so
  // every parameter is cast. The statement takes the chain's advisory lock before its first row (a per-row filter;
  // re-taking a held lock is a no-op), so it waits for a locked-path appender and never slips in between its head
  // read and its insert; in autocommit the lock is released when the statement ends. Rows are inserted in VALUES
  // order, and the chain-link trigger checks each against the row before it.
  async function insertRows(q: Queryable, rows: readonly ChainRow<R>[]): Promise<void> {
    if (rows.length === 0) return;
    if (rows.length > maxRowsPerInsert)
      throw new Error(`${spec.table}: at most ${maxRowsPerInsert} rows per statement`);
    const params: unknown[] = [spec.lockKey];
    const tuples = rows.map((row) => {
      const base = params.length;
      const r = row as Record<string, unknown>;
      params.push(row.seq);
      for (const c of spec.columns) {
        const v = r[c.name] ?? null;
        params.push(c.type === 'jsonb' && v !== null ? JSON.stringify(v) : v);
      }
      params.push(row.prev_hash, row.hash);
      return `(${types.map((type, i) => `$${base + i + 1}::${type}`).join(', ')})`;
    });
    await q.query(
      `INSERT INTO ${spec.table} (${columnList})
     SELECT * FROM (VALUES ${tuples.join(',\n')}) AS v
     WHERE pg_advisory_xact_lock($1) IS NOT NULL`,
      params,
    );
  }

  function isStaleHead(err: unknown): boolean {
    if (typeof err !== 'object' || err === null) return false;
    const { code, constraint } = err as { code?: unknown; constraint?: unknown };
    return (
      (code === '23505' && constraint === seqConstraint) ||
      (code === '23000' && constraint === linkConstraint)
    );
  }

  async function rowsAfter(q: Queryable, afterSeq: string, limit: number): Promise<ChainRow<R>[]> {
    const r = await q.query<ChainRow<R>>(
      `SELECT ${columnList} FROM ${spec.table} WHERE seq > $1 ORDER BY seq LIMIT $2`,
      [afterSeq, limit],
    );
    return r.rows;
  }

  function createAppender(db: Db): AuditAppender<R> {
    interface Waiter {
      record: R;
      resolve: (row: ChainRow<R>) => void;
      reject: (err: unknown) => void;
    }
    const queue: Waiter[] = [];
    // undefined: not known (at start, and after any failure); the next fast-path write reads it first.
    let cached: ChainHead | undefined;
    let flushing = false;

    /** Fast path: one INSERT on the cached (or just read) head. */
    async function insertOnCachedHead(records: R[]): Promise<ChainRow<R>[]> {
      const from = cached !== undefined ? cached : ((await head(db)) ?? null);
      const rows = chainOn(from, records);
      await insertRows(db, rows);
      return rows;
    }

    /** Locked path: the head read under the chain's advisory lock, so no cooperating appender can move it. */
    function insertUnderLock(records: R[]): Promise<ChainRow<R>[]> {
      return db.transaction(async (tx) => {
        await lock(tx);
        const rows = chainOn((await head(tx)) ?? null, records);
        await insertRows(tx, rows);
        return rows;
      });
    }

    async function write(batch: Waiter[]): Promise<void> {
      const records = batch.map((w) => w.record);
      for (let attempt = 0; ; attempt++) {
        let rows: ChainRow<R>[];
        try {
          rows = attempt === 0 ? await insertOnCachedHead(records) : await insertUnderLock(records);
        } catch (err) {
          cached = undefined;
          if (isStaleHead(err) && attempt < STALE_HEAD_RETRIES) continue;
          if (batch.length > 1) {
            for (const w of batch) await write([w]);
          } else {
            batch[0]?.reject(err);
          }
          return;
        }
        const last = rows[rows.length - 1];
        cached = last ? { seq: last.seq, hash: last.hash } : cached;
        for (const [i, w] of batch.entries()) w.resolve(rows[i] as ChainRow<R>);
        return;
      }
    }

    async function flushLoop(): Promise<void> {
      try {
        while (queue.length > 0) {
          const batch = queue.splice(0, maxRowsPerInsert);
          try {
            await write(batch);
          } catch (err) {
            // write() settles every waiter itself; this only guards against a bug there leaving callers hanging.
            cached = undefined;
            for (const w of batch) w.reject(err);
          }
        }
      } finally {
        flushing = false;
      }
    }

    return {
      append(input) {
        let record: R;
        try {
          record = prepare(input);
        } catch (err) {
          return Promise.reject(err);
        }
        return new Promise<ChainRow<R>>((resolve, reject) => {
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

  const appenders = new WeakMap<Db, AuditAppender<R>>();
  function append(db: Db, record: R): Promise<ChainRow<R>> {
    let appender = appenders.get(db);
    if (!appender) {
      appender = createAppender(db);
      appenders.set(db, appender);
    }
    return appender.append(record);
  }

  async function appendInTransaction(tx: Queryable, records: readonly R[]): Promise<ChainRow<R>[]> {
    const prepared = records.map(prepare);
    await lock(tx);
    const rows = chainOn((await head(tx)) ?? null, prepared);
    for (let i = 0; i < rows.length; i += maxRowsPerInsert)
      await insertRows(tx, rows.slice(i, i + maxRowsPerInsert));
    return rows;
  }

  async function verify(q: Queryable, pageSize = 500): Promise<ChainVerifyResult> {
    let prevHash = GENESIS_HASH;
    let prevSeq = 0n;
    let checked = 0;
    let last: { seq: string; hash: string } | null = null;
    for (;;) {
      const rows = await rowsAfter(q, prevSeq.toString(), pageSize);
      for (const row of rows) {
        const broken = (problem: ChainBreak['problem'], detail: string): ChainVerifyResult => ({
          ok: false,
          records_checked: checked,
          head_seq: last?.seq ?? null,
          head_hash: last?.hash ?? null,
          first_broken: { seq: row.seq, record_id: String(row.record_id), problem, detail },
        });
        const seq = BigInt(row.seq);
        if (seq !== prevSeq + 1n) {
          return broken(
            'sequence_gap',
            `expected seq ${prevSeq + 1n}, found ${row.seq}: records are missing`,
          );
        }
        if (row.prev_hash !== prevHash) {
          return broken('prev_hash_mismatch', 'prev_hash does not equal the previous record hash');
        }
        const { hash, ...rest } = row;
        if (recordHash(rest as Omit<ChainRow<R>, 'hash'>) !== hash) {
          return broken('hash_mismatch', 'the record content no longer matches its hash: it was altered');
        }
        checked++;
        prevHash = hash;
        prevSeq = seq;
        last = { seq: row.seq, hash };
      }
      if (rows.length < pageSize) break;
    }
    return {
      ok: true,
      records_checked: checked,
      head_seq: last?.seq ?? null,
      head_hash: last?.hash ?? null,
      first_broken: null,
    };
  }

  return {
    spec,
    maxRowsPerInsert,
    recordHash,
    prepare,
    lock,
    head,
    insertRows,
    isStaleHead,
    rowsAfter,
    createAppender,
    append,
    appendInTransaction,
    verify,
  };
}
