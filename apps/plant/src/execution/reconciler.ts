import { DeltaError } from '@delta/delta-client';
import type { Db, Logger } from '@delta/server-kit';
import type { UsageRecorder } from '../audit/usage-events.ts';
import type { BundleOpener } from './credential-bundles.ts';
import { clientFor, orderFields, stateOf } from './delta-order-executor.ts';
import { claimUnsettled, type ExecutionRow, updateExecution } from './executions-repository.ts';

export interface ReconcilerDeps {
  db: Db;
  logger: Logger;
  openBundle: BundleOpener;
  recordUsage: UsageRecorder;
  paperUrl?: string;
  /** Rows younger than this belong to a request still in flight (its own look-ups take up to ~15 s). */
  minAgeS?: number;
  /** A signed request older than Delta's 5 s signature window (+ skew) can never be accepted any more. */
  signatureWindowS?: number;
}

/**
 * Settles executions left pending/submitted/unknown — by a crash, a kill, or an exchange that never answered —
 * by looking the order up by its client_order_id. Found → record the exchange's answer. Not found, and the
 * request was signed longer ago than the signature window → it can never be placed: record "not placed".
 * The reconciler never sends an order.
 */
export async function reconcileOnce(deps: ReconcilerDeps): Promise<number> {
  const rows = await claimUnsettled(deps.db, deps.minAgeS ?? 20, 60, 20);
  for (const row of rows) {
    try {
      await settle(deps, row);
    } catch (err) {
      deps.logger.warn(
        {
          execution_id: row.execution_id,
          correlation_id: row.correlation_id,
          err: err instanceof Error ? { message: err.message } : String(err),
        },
        'reconciler could not settle an execution yet',
      );
    }
  }
  return rows.length;
}

async function settle(deps: ReconcilerDeps, row: ExecutionRow): Promise<void> {
  const correlationId = row.correlation_id;
  const bundle = await deps.openBundle({
    credentialRef: row.credential_ref,
    approvalId: row.approval_id,
    customerId: row.customer_id,
    correlationId,
  });
  const client = clientFor(bundle, deps);
  let order: Awaited<ReturnType<typeof client.getOrderByClientId>>;
  try {
    order = await client.getOrderByClientId(row.client_order_id, { correlationId });
  } catch (err) {
    if (err instanceof DeltaError) throw new Error(`look-up failed: ${err.kind}`);
    throw err;
  }
  let settled: ExecutionRow | undefined;
  if (order) {
    settled = await updateExecution(deps.db, row.execution_id, {
      state: stateOf(order),
      ...orderFields(order),
      reason: 'settled_by_reconciler',
    });
  } else {
    const ageS = (Date.now() - row.updated_at.getTime()) / 1000;
    if (ageS < (deps.signatureWindowS ?? 6)) return;
    settled = await updateExecution(deps.db, row.execution_id, { state: 'rejected', reason: 'not_placed' });
  }
  if (settled) {
    await deps.recordUsage({
      correlation_id: correlationId,
      customer_id: row.customer_id,
      agent_id: row.agent_id,
      hired_agent_id: row.hired_agent_id,
      action: row.action,
      event_type: 'execution_settled',
      outcome: settled.state,
      details: {
        client_order_id: row.client_order_id,
        exchange_order_id: settled.exchange_order_id,
        reason: settled.reason,
      },
    });
    deps.logger.info(
      { execution_id: row.execution_id, correlation_id: correlationId, state: settled.state },
      'execution settled by reconciler',
    );
  }
}

/** Runs reconcileOnce every `intervalMs` (first pass immediately: settle what a crash left behind). */
export function startReconciler(deps: ReconcilerDeps, intervalMs = 5_000): () => Promise<void> {
  let stopped = false;
  let running: Promise<unknown> = Promise.resolve();
  const tick = () => {
    if (stopped) return;
    running = reconcileOnce(deps)
      .catch((err) => deps.logger.error({ err }, 'reconciler pass failed'))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs);
      });
  };
  let timer = setTimeout(tick, 0);
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  };
}
