import type { Queryable } from '@delta/server-kit';

export const SETTLED_STATES = new Set(['open', 'filled', 'cancelled', 'rejected']);
export type ExecutionState =
  | 'pending'
  | 'submitted'
  | 'open'
  | 'filled'
  | 'cancelled'
  | 'rejected'
  | 'unknown';

export interface ExecutionRow {
  execution_id: string;
  approval_id: string;
  client_order_id: string;
  customer_id: string;
  hired_agent_id: string;
  agent_id: string;
  credential_ref: string;
  intent_hash: string;
  action: 'place_order' | 'close_position';
  product_id: number;
  product_symbol: string;
  side: 'buy' | 'sell';
  size: number | null;
  order_request: Record<string, unknown>;
  state: ExecutionState;
  reason: string | null;
  exchange_order_id: string | null;
  exchange_state: string | null;
  filled_size: number | null;
  average_fill_price: string | null;
  fees: string | null;
  correlation_id: string;
  attempts: number;
  created_at: Date;
  updated_at: Date;
}

export type NewExecution = Pick<
  ExecutionRow,
  | 'execution_id'
  | 'approval_id'
  | 'client_order_id'
  | 'customer_id'
  | 'hired_agent_id'
  | 'agent_id'
  | 'credential_ref'
  | 'intent_hash'
  | 'action'
  | 'product_id'
  | 'product_symbol'
  | 'side'
  | 'size'
  | 'order_request'
  | 'correlation_id'
>;

const COLUMNS = `execution_id, approval_id, client_order_id, customer_id, hired_agent_id, agent_id, credential_ref,
  intent_hash, action, product_id, product_symbol, side, size, order_request, state, reason, exchange_order_id,
  exchange_state, filled_size, average_fill_price, fees, correlation_id, attempts, created_at, updated_at`;

/**
 * Inserts the record (by default in state pending; `submitted` when it is written just before the order goes out,
 * `rejected` with a reason when nothing was sent); false when this approval already has one (the unique key
 * decides).
 */
export async function insertExecution(
  db: Queryable,
  e: NewExecution,
  initial: { state: 'pending' | 'submitted' | 'rejected'; reason?: string | null } = { state: 'pending' },
): Promise<boolean> {
  const r = await db.query(
    `INSERT INTO executions (execution_id, approval_id, client_order_id, customer_id, hired_agent_id, agent_id,
       credential_ref, intent_hash, action, product_id, product_symbol, side, size, order_request, state, correlation_id,
       reason)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $16, $15, $17)
     ON CONFLICT DO NOTHING`,
    [
      e.execution_id,
      e.approval_id,
      e.client_order_id,
      e.customer_id,
      e.hired_agent_id,
      e.agent_id,
      e.credential_ref,
      e.intent_hash,
      e.action,
      e.product_id,
      e.product_symbol,
      e.side,
      e.size,
      JSON.stringify(e.order_request),
      e.correlation_id,
      initial.state,
      initial.reason ?? null,
    ],
  );
  return r.rowCount === 1;
}

export interface ExecutionUpdate {
  state: ExecutionState;
  reason?: string | null;
  size?: number | null;
  order_request?: Record<string, unknown>;
  exchange_order_id?: string | null;
  exchange_state?: string | null;
  filled_size?: number | null;
  average_fill_price?: string | null;
  fees?: string | null;
}

/**
 * Moves an execution forward. A settled execution is never changed again (the WHERE clause), so a late,
 * stale writer — a slow request path racing the reconciler — cannot overwrite the exchange's final answer.
 */
export async function updateExecution(
  db: Queryable,
  executionId: string,
  u: ExecutionUpdate,
): Promise<ExecutionRow | undefined> {
  const r = await db.query<ExecutionRow>(
    `UPDATE executions SET state = $2,
        reason = COALESCE($3, reason),
        size = COALESCE($4, size),
        order_request = COALESCE($5::jsonb, order_request),
        exchange_order_id = COALESCE($6, exchange_order_id),
        exchange_state = COALESCE($7, exchange_state),
        filled_size = COALESCE($8, filled_size),
        average_fill_price = COALESCE($9, average_fill_price),
        fees = COALESCE($10, fees),
        lease_until = NULL,
        updated_at = now()
      WHERE execution_id = $1 AND state IN ('pending', 'submitted', 'unknown', 'open')
      RETURNING ${COLUMNS}`,
    [
      executionId,
      u.state,
      u.reason ?? null,
      u.size ?? null,
      u.order_request ? JSON.stringify(u.order_request) : null,
      u.exchange_order_id ?? null,
      u.exchange_state ?? null,
      u.filled_size ?? null,
      u.average_fill_price ?? null,
      u.fees ?? null,
    ],
  );
  return r.rows[0];
}

export async function findExecutionByApproval(
  db: Queryable,
  approvalId: string,
): Promise<ExecutionRow | undefined> {
  const r = await db.query<ExecutionRow>(`SELECT ${COLUMNS} FROM executions WHERE approval_id = $1`, [
    approvalId,
  ]);
  return r.rows[0];
}

export async function listExecutions(
  db: Queryable,
  filter: { customer_id?: string; hired_agent_id?: string; limit: number },
): Promise<ExecutionRow[]> {
  const r = await db.query<ExecutionRow>(
    `SELECT ${COLUMNS} FROM executions
      WHERE ($1::text IS NULL OR customer_id = $1) AND ($2::uuid IS NULL OR hired_agent_id = $2)
      ORDER BY created_at DESC LIMIT $3`,
    [filter.customer_id ?? null, filter.hired_agent_id ?? null, filter.limit],
  );
  return r.rows;
}

/**
 * Claims up to `limit` unsettled executions older than `minAgeS` for one reconciler pass: a lease (not a lock
 * held across network calls) so a crashed reconciler's rows become claimable again after `leaseS`.
 */
export async function claimUnsettled(
  db: Queryable,
  minAgeS: number,
  leaseS: number,
  limit: number,
): Promise<ExecutionRow[]> {
  const r = await db.query<ExecutionRow>(
    `UPDATE executions SET lease_until = now() + make_interval(secs => $2), attempts = attempts + 1
      WHERE execution_id IN (
        SELECT execution_id FROM executions
         WHERE state IN ('pending', 'submitted', 'unknown')
           AND updated_at < now() - make_interval(secs => $1)
           AND (lease_until IS NULL OR lease_until < now())
         ORDER BY updated_at LIMIT $3
         FOR UPDATE SKIP LOCKED)
      RETURNING ${COLUMNS}`,
    [minAgeS, leaseS, limit],
  );
  return r.rows;
}
