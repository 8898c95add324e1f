import { createBatchInserter, optionalFilters, type Queryable } from '@delta/server-kit';

export interface UsageEventRow {
  seq: string;
  event_id: string;
  event_type: string;
  correlation_id: string;
  customer_id: string;
  agent_id: string;
  hired_agent_id: string | null;
  action: string | null;
  outcome: string;
  details: Record<string, unknown>;
  occurred_at: Date;
}

export type NewUsageEvent = Omit<UsageEventRow, 'seq'>;

const USAGE_COLUMNS = [
  'event_id',
  'event_type',
  'correlation_id',
  'customer_id',
  'agent_id',
  'hired_agent_id',
  'action',
  'outcome',
  'details',
  'occurred_at',
] as const;

const usageValues = (e: NewUsageEvent): unknown[] => [
  e.event_id,
  e.event_type,
  e.correlation_id,
  e.customer_id,
  e.agent_id,
  e.hired_agent_id,
  e.action,
  e.outcome,
  JSON.stringify(e.details),
  e.occurred_at,
];

/** Group-commit inserter of usage events on a database (see createBatchInserter). */
export function usageEventBatcher(db: Queryable): (e: NewUsageEvent) => Promise<void> {
  return createBatchInserter<NewUsageEvent>(db, {
    table: 'usage_events',
    columns: USAGE_COLUMNS,
    values: usageValues,
  });
}

/** One usage event, e.g. inside a transaction. */
export async function insertUsageEvent(q: Queryable, e: NewUsageEvent): Promise<void> {
  await q.query(
    `INSERT INTO usage_events (${USAGE_COLUMNS.join(', ')}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    usageValues(e),
  );
}

export interface UsageEventFilter {
  customerId?: string | undefined;
  agentId?: string | undefined;
  correlationId?: string | undefined;
  eventType?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  afterSeq?: string | undefined;
  limit: number;
}

/** Oldest first, keyset-paginated on seq. */
export async function listUsageEvents(q: Queryable, f: UsageEventFilter): Promise<UsageEventRow[]> {
  const { where, params } = optionalFilters([
    ['customer_id', '=', 'text', f.customerId],
    ['agent_id', '=', 'text', f.agentId],
    ['correlation_id', '=', 'text', f.correlationId],
    ['event_type', '=', 'text', f.eventType],
    ['occurred_at', '>=', 'timestamptz', f.from],
    ['occurred_at', '<', 'timestamptz', f.to],
    ['seq', '>', 'bigint', f.afterSeq],
  ]);
  const r = await q.query<UsageEventRow>(
    `SELECT seq, event_id, event_type, correlation_id, customer_id, agent_id, hired_agent_id, action, outcome,
       details, occurred_at
     FROM usage_events WHERE ${where} ORDER BY seq LIMIT $${params.length + 1}`,
    [...params, f.limit],
  );
  return r.rows;
}
