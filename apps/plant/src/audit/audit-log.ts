import { type AuditAppender, GENESIS_HASH as CHAIN_GENESIS_HASH, type ChainRow } from '@delta/audit-chain';
import type { TAuditVerifyResult } from '@delta/contracts';
import type { Db } from '@delta/server-kit';
import { type AuditRow, PLANT_AUDIT_CHAIN, type PlantAuditRecord } from '../db/audit-log-repository.ts';

export const GENESIS_HASH = CHAIN_GENESIS_HASH;

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
  return PLANT_AUDIT_CHAIN.recordHash(row);
}

export interface PlantAuditAppender {
  /** Resolves with the stored record once its batch is committed; rejects if it was not stored. */
  append(entry: AuditEntry): Promise<AuditRow>;
}

const asRecord = (entry: AuditEntry) => entry as unknown as PlantAuditRecord;
const asRow = (row: ChainRow<PlantAuditRecord>) => row as unknown as AuditRow;

/**
 * A group-commit appender for one database (the shared mechanism of @delta/audit-chain: one multi-row INSERT per
 * batch, the database's chain-link trigger and the chain's advisory lock keep one unforked chain across
 * instances). appendAudit uses one per Db; make another only to act as an independent writer (a second Plant
 * instance, in tests).
 */
export function createAuditAppender(db: Db): PlantAuditAppender {
  const appender: AuditAppender<PlantAuditRecord> = PLANT_AUDIT_CHAIN.createAppender(db);
  return { append: async (entry) => asRow(await appender.append(asRecord(entry))) };
}

/**
 * Appends one record at the head of the chain, through the database's group-commit appender: resolves with the
 * stored record once it is committed, rejects if it was not stored.
 */
export async function appendAudit(db: Db, entry: AuditEntry): Promise<AuditRow> {
  return asRow(await PLANT_AUDIT_CHAIN.append(db, asRecord(entry)));
}

/** Recomputes the whole chain in pages and names the first record that does not fit. */
export function verifyAuditChain(db: Db, pageSize = 500): Promise<TAuditVerifyResult> {
  return PLANT_AUDIT_CHAIN.verify(db, pageSize);
}
