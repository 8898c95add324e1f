import type { TPlantAuditRecord, TPlantAuditRecordQuery } from '@delta/contracts';
import type { Db } from '@delta/server-kit';
import { decodeCursor, nextCursor } from '@delta/server-kit';
import { type AuditRow, listAuditRecords, listCustomerStory } from '../db/audit-log-repository.ts';

function toApi(row: AuditRow): TPlantAuditRecord {
  return {
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
  };
}

/** Every kind of record on Plant's chain, newest first, filtered; the cursor walks back in time. */
export async function queryAuditRecords(db: Db, query: TPlantAuditRecordQuery) {
  const rows = await listAuditRecords(db, {
    correlationId: query.correlation_id,
    customerId: query.customer_id,
    actor: query.actor,
    action: query.action,
    reason: query.reason,
    kind: query.kind,
    from: query.from ? new Date(query.from) : undefined,
    to: query.to ? new Date(query.to) : undefined,
    beforeSeq: decodeCursor(query.cursor) ?? query.before_seq,
    limit: query.limit,
  });
  return { items: rows.map(toApi), next_cursor: nextCursor(rows, query.limit) };
}

/** One customer's own story (CUSTOMER_STORY_KINDS), newest first; the cursor walks back in time. */
export async function queryCustomerStory(
  db: Db,
  query: { customerId: string; cursor?: string | undefined; limit: number },
) {
  const rows = await listCustomerStory(db, {
    customerId: query.customerId,
    beforeSeq: decodeCursor(query.cursor),
    limit: query.limit,
  });
  return { items: rows.map(toApi), next_cursor: nextCursor(rows, query.limit) };
}
