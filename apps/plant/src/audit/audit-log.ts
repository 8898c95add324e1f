import type { TAuditVerifyResult } from '@delta/contracts';
import type { Db } from '@delta/server-kit';
import {
  type AuditRow,
  auditChainHead,
  auditRowsAfter,
  insertAuditRow,
  lockAuditChain,
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

/**
 * Appends one record at the head of the chain. The advisory lock makes concurrent appenders (any connection,
 * any instance) take turns, and seq = head + 1 under a primary key makes a fork impossible even so.
 */
export async function appendAudit(db: Db, entry: AuditEntry): Promise<AuditRow> {
  return db.transaction(async (tx) => {
    await lockAuditChain(tx);
    const head = await auditChainHead(tx);
    const base: Omit<AuditRow, 'hash'> = {
      seq: head ? (BigInt(head.seq) + 1n).toString() : '1',
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
      prev_hash: head?.hash ?? GENESIS_HASH,
    };
    const row: AuditRow = { ...base, hash: recordHash(base) };
    await insertAuditRow(tx, row);
    return row;
  });
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
