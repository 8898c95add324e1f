import type { TUsageEvent, TUsageEventQuery } from '@delta/contracts';
import type { Queryable } from '@delta/server-kit';
import { decodeCursor, nextCursor } from '@delta/server-kit';
import {
  insertUsageEvent,
  listUsageEvents,
  type NewUsageEvent,
  type UsageEventRow,
  usageEventBatcher,
} from '../db/usage-events-repository.ts';

export interface UsageEventInput {
  event_type: TUsageEvent['event_type'];
  correlation_id: string;
  customer_id: string;
  agent_id: string;
  hired_agent_id: string | null;
  action: string | null;
  outcome: string;
  details?: Record<string, unknown>;
}

export type UsageRecorder = (event: UsageEventInput) => Promise<void>;

/**
 * Usage events are appended with group commit on the database itself (rows that arrive together share one
 * INSERT); inside a transaction they are inserted there, one by one.
 */
export function createUsageRecorder(db: Queryable, newId: () => string, now: () => Date): UsageRecorder {
  const insert = 'transaction' in db ? usageEventBatcher(db) : (e: NewUsageEvent) => insertUsageEvent(db, e);
  return (event) => insert({ ...event, details: event.details ?? {}, event_id: newId(), occurred_at: now() });
}

function toApi(row: UsageEventRow): TUsageEvent {
  return {
    event_id: row.event_id,
    event_type: row.event_type as TUsageEvent['event_type'],
    correlation_id: row.correlation_id,
    customer_id: row.customer_id,
    agent_id: row.agent_id,
    hired_agent_id: row.hired_agent_id,
    action: row.action,
    outcome: row.outcome,
    details: row.details,
    occurred_at: row.occurred_at.toISOString(),
  };
}

export async function queryUsageEvents(db: Queryable, query: TUsageEventQuery) {
  const rows = await listUsageEvents(db, {
    customerId: query.customer_id,
    agentId: query.agent_id,
    correlationId: query.correlation_id,
    eventType: query.event_type,
    from: query.from ? new Date(query.from) : undefined,
    to: query.to ? new Date(query.to) : undefined,
    afterSeq: decodeCursor(query.cursor),
    limit: query.limit,
  });
  return { items: rows.map(toApi), next_cursor: nextCursor(rows, query.limit) };
}
