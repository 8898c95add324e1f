import {
  EXECUTION_STATE_TABLE,
  executionStatesBefore,
  executionStatesIn,
  type INITIAL_EXECUTION_STATES,
  type TExecutionState,
  type TReachableExecutionState,
  type TTradeAction,
} from '@delta/contracts';
import type { Queryable } from '@delta/server-kit';

export type ExecutionState = TExecutionState;

/** A SQL list of states from the transition table (fixed names, checked, so the text is safe to inline). */
function sqlStates(states: readonly TExecutionState[]): string {
  if (states.length === 0 || !states.every((s) => /^[a-z_]+$/.test(s))) {
    throw new Error(`not a list of execution states: ${states.join(', ')}`);
  }
  return states.map((s) => `'${s}'`).join(', ');
}
/** Undecided executions: held by the request path or a reconciler (the partial index executions_unsettled). */
const IN_FLIGHT = sqlStates(executionStatesIn('in_flight'));
/** Per target state, the states a row may be in for the move to be allowed (the table's edges into it). */
const MAY_MOVE_TO = new Map(
  (Object.keys(EXECUTION_STATE_TABLE) as TExecutionState[])
    .filter((to) => executionStatesBefore(to).length > 0)
    .map((to) => [to, sqlStates(executionStatesBefore(to))]),
);

export interface ExecutionRow {
  execution_id: string;
  approval_id: string;
  client_order_id: string;
  customer_id: string;
  hired_agent_id: string;
  agent_id: string;
  credential_ref: string;
  intent_hash: string;
  action: TTradeAction;
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
  /** When the order was handed to the exchange (null: never sent). */
  sent_at: Date | null;
  /** When the reconciler found an order the platform had recorded as unknown. */
  discovered_late_at: Date | null;
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
  exchange_state, filled_size, average_fill_price, fees, correlation_id, attempts, sent_at, discovered_late_at,
  created_at, updated_at`;

/** Who may write a row: the request path that recorded it, or the reconciler pass that claimed it. */
export interface LeaseHolder {
  owner: string;
  /** How long a hold lasts without renewal. */
  leaseS: number;
}

/**
 * Inserts the record, owned by `lease`: `submitted` when it is written just before the order goes out, `pending`
 * when something is still to be read before it can (an exit's open position), `rejected` with a reason when
 * nothing was sent (which settles it and holds no lease). False when this approval already has a record (the
 * unique key decides), or when the execution's announcement (execution_attempts) is no longer this writer's —
 * the reconciler took it after the request stalled — in which case nothing may be sent. The announcement is
 * resolved in the same statement.
 */
export async function insertExecution(
  db: Queryable,
  e: NewExecution,
  initial: { state: (typeof INITIAL_EXECUTION_STATES)[number]; reason?: string | null },
  lease: LeaseHolder,
  attemptOutcome: 'executed' | 'consumed_not_executed' = 'executed',
): Promise<boolean> {
  const held = initial.state !== 'rejected';
  const r = await db.query(
    `WITH attempt AS (
       UPDATE execution_attempts SET state = 'resolved', outcome = $21, resolved_at = now()
        WHERE execution_id = $1 AND state = 'consuming' AND lease_owner = $19
       RETURNING 1)
     INSERT INTO executions (execution_id, approval_id, client_order_id, customer_id, hired_agent_id, agent_id,
       credential_ref, intent_hash, action, product_id, product_symbol, side, size, order_request, state, correlation_id,
       reason, lease_owner, lease_until, sent_at)
     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $16, $15, $17,
       CASE WHEN $18::boolean THEN $19 END,
       CASE WHEN $18::boolean THEN now() + make_interval(secs => $20) END,
       CASE WHEN $16 = 'submitted' THEN now() END
      WHERE EXISTS (SELECT 1 FROM attempt)
         OR NOT EXISTS (SELECT 1 FROM execution_attempts WHERE execution_id = $1)
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
      held,
      lease.owner,
      lease.leaseS,
      attemptOutcome,
    ],
  );
  return r.rowCount === 1;
}

export interface ExecutionUpdate {
  /** Where the execution moves: only along an edge of the transition table (EXECUTION_STATE_TABLE). */
  state: TReachableExecutionState;
  reason?: string | null;
  size?: number | null;
  order_request?: Record<string, unknown>;
  exchange_order_id?: string | null;
  exchange_state?: string | null;
  filled_size?: number | null;
  average_fill_price?: string | null;
  fees?: string | null;
  /** The reconciler found at the exchange an order recorded as unknown: stamp discovered_late_at. */
  discoveredLate?: boolean;
}

/**
 * Moves an execution along the transition table — only while `lease.owner` still owns it, and only from a state
 * with an edge to `u.state` (the WHERE clause): a settled execution is never changed, and a stale writer (a slow
 * request path, a reconciler whose lease ran out) or a move the table does not allow changes nothing and learns
 * so from the undefined result. A state that is no longer in flight (resting or settled) releases the lease;
 * `release` lets go of an in-flight row too (the request path giving an unknown outcome to the reconciler),
 * `notBeforeS` keeps it unclaimed for that long.
 */
export async function updateExecution(
  db: Queryable,
  executionId: string,
  u: ExecutionUpdate,
  lease: LeaseHolder,
  hand: { release?: boolean; notBeforeS?: number } = {},
): Promise<ExecutionRow | undefined> {
  const from = MAY_MOVE_TO.get(u.state);
  if (!from) throw new Error(`no execution may move to ${u.state}`);
  const releases = hand.release === true || EXECUTION_STATE_TABLE[u.state].phase !== 'in_flight';
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
        discovered_late_at = COALESCE(discovered_late_at, CASE WHEN $15::boolean THEN now() END),
        sent_at = CASE WHEN $2 = 'submitted' THEN COALESCE(sent_at, now()) ELSE sent_at END,
        lease_owner = CASE WHEN $12::boolean THEN NULL ELSE lease_owner END,
        lease_until = CASE WHEN $12::boolean
                           THEN (CASE WHEN $13::double precision > 0 THEN now() + make_interval(secs => $13) END)
                           ELSE now() + make_interval(secs => $14) END,
        updated_at = now()
      WHERE execution_id = $1 AND lease_owner = $11 AND state IN (${from})
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
      lease.owner,
      releases,
      hand.notBeforeS ?? 0,
      lease.leaseS,
      u.discoveredLate === true,
    ],
  );
  return r.rows[0];
}

/** Extends the hold while the owner works; false = it no longer owns the row (it must not send or decide). */
export async function renewLease(db: Queryable, executionId: string, lease: LeaseHolder): Promise<boolean> {
  const r = await db.query(
    `UPDATE executions SET lease_until = now() + make_interval(secs => $3)
      WHERE execution_id = $1 AND lease_owner = $2 AND state IN (${IN_FLIGHT})`,
    [executionId, lease.owner, lease.leaseS],
  );
  return r.rowCount === 1;
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
 * Claims up to `limit` unsettled executions for one reconciler pass: rows no one holds (the request path's lease
 * ran out or was released) and not deferred, oldest first. The claim is a lease in the row, not a lock held across
 * network calls, so a crashed reconciler's rows become claimable again after `leaseS`.
 */
export async function claimUnsettled(
  db: Queryable,
  lease: LeaseHolder,
  limit: number,
): Promise<ExecutionRow[]> {
  const r = await db.query<ExecutionRow>(
    `UPDATE executions SET lease_owner = $1, lease_until = now() + make_interval(secs => $2),
        attempts = attempts + 1
      WHERE execution_id IN (
        SELECT execution_id FROM executions
         WHERE state IN (${IN_FLIGHT})
           AND (lease_until IS NULL OR lease_until < now())
         ORDER BY updated_at LIMIT $3
         FOR UPDATE SKIP LOCKED)
      RETURNING ${COLUMNS}`,
    [lease.owner, lease.leaseS, limit],
  );
  return r.rows;
}
