import type { Queryable } from '@delta/server-kit';
import type { LeaseHolder } from './executions-repository.ts';

export interface AttemptRow {
  execution_id: string;
  approval_id: string;
  customer_id: string;
  hired_agent_id: string;
  agent_id: string;
  credential_ref: string;
  intent_hash: string;
  action: 'place_order' | 'close_position' | 'cancel_order';
  product_id: number;
  product_symbol: string;
  side: 'buy' | 'sell';
  order_request: Record<string, unknown>;
  correlation_id: string;
  attempts: number;
  created_at: Date;
}

export type NewAttempt = Omit<AttemptRow, 'attempts' | 'created_at'>;
export type AttemptOutcome = 'executed' | 'not_consumed' | 'consumed_elsewhere' | 'consumed_not_executed';

const COLUMNS = `execution_id, approval_id, customer_id, hired_agent_id, agent_id, credential_ref, intent_hash,
  action, product_id, product_symbol, side, order_request, correlation_id, attempts, created_at`;

/** Announces an execution before its approval is consumed; held by `lease` until the execution is recorded. */
export async function insertAttempt(db: Queryable, a: NewAttempt, lease: LeaseHolder): Promise<void> {
  await db.query(
    `INSERT INTO execution_attempts (execution_id, approval_id, customer_id, hired_agent_id, agent_id,
       credential_ref, intent_hash, action, product_id, product_symbol, side, order_request, correlation_id,
       lease_owner, lease_until)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, now() + make_interval(secs => $15))`,
    [
      a.execution_id,
      a.approval_id,
      a.customer_id,
      a.hired_agent_id,
      a.agent_id,
      a.credential_ref,
      a.intent_hash,
      a.action,
      a.product_id,
      a.product_symbol,
      a.side,
      JSON.stringify(a.order_request),
      a.correlation_id,
      lease.owner,
      lease.leaseS,
    ],
  );
}

/** Settles an attempt its holder still holds; false when someone else (the reconciler) took it meanwhile. */
export async function resolveAttempt(
  db: Queryable,
  executionId: string,
  outcome: AttemptOutcome,
  lease: LeaseHolder,
): Promise<boolean> {
  const r = await db.query(
    `UPDATE execution_attempts SET state = 'resolved', outcome = $2, resolved_at = now()
      WHERE execution_id = $1 AND state = 'consuming' AND lease_owner = $3`,
    [executionId, outcome, lease.owner],
  );
  return r.rowCount === 1;
}

/**
 * Claims attempts whose holder's lease ran out. Those whose approval has an execution are resolved as executed on
 * the way (nothing more to do); the rest are the reconciler's to explain.
 */
export async function claimStaleAttempts(
  db: Queryable,
  lease: LeaseHolder,
  limit: number,
): Promise<AttemptRow[]> {
  await db.query(
    `UPDATE execution_attempts a SET state = 'resolved', outcome = 'executed', resolved_at = now()
      WHERE a.state = 'consuming' AND a.lease_until < now()
        AND EXISTS (SELECT 1 FROM executions e WHERE e.approval_id = a.approval_id)`,
  );
  const r = await db.query<AttemptRow>(
    `UPDATE execution_attempts SET lease_owner = $1, lease_until = now() + make_interval(secs => $2),
        attempts = attempts + 1
      WHERE execution_id IN (
        SELECT execution_id FROM execution_attempts
         WHERE state = 'consuming' AND lease_until < now()
         ORDER BY lease_until LIMIT $3
         FOR UPDATE SKIP LOCKED)
      RETURNING ${COLUMNS}`,
    [lease.owner, lease.leaseS, limit],
  );
  return r.rows;
}

/** Puts a claimed attempt back for a later pass (the portal could not be asked yet). */
export async function deferAttempt(
  db: Queryable,
  executionId: string,
  lease: LeaseHolder,
  afterS: number,
): Promise<void> {
  await db.query(
    `UPDATE execution_attempts SET lease_until = now() + make_interval(secs => $3)
      WHERE execution_id = $1 AND state = 'consuming' AND lease_owner = $2`,
    [executionId, lease.owner, afterS],
  );
}
