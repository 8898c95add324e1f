import { randomUUID } from 'node:crypto';
import { DeltaError, type DeltaOrder, type DeltaTradingClient } from '@delta/delta-client';
import { announce } from './announce-settlement.ts';
import { reconcileAttempts } from './attempt-reconciler.ts';
import { cancelledFields, clientFor, orderFields, stateOf } from './exchange-outcomes.ts';
import {
  claimUnsettled,
  type ExecutionRow,
  type ExecutionUpdate,
  type LeaseHolder,
  updateExecution,
} from './executions-repository.ts';
import type { ReconcilerDeps } from './reconciler-deps.ts';

export const DEFAULT_RECONCILE_HORIZON_S = 900;

/**
 * Settles executions no request is working on any more — a crash, a kill, an unknown outcome handed over by the
 * request path — by looking the order up at the exchange:
 * - found → the exchange's answer is recorded; an order found after the platform said "unknown" is a late
 *   discovery, audited with its times and announced as a usage event (and a warning in the log for ops);
 * - absent, within the horizon → still unknown, looked up again later (backing off);
 * - absent past the horizon → `rejected` / `not_placed`, audited.
 * A cancel is settled by looking up the order it cancels (and cancelling it again while it is still open: a cancel
 * is idempotent and was approved). Then the announced executions whose request died around the approval's
 * consumption (attempt-reconciler.ts). A row is touched only after this pass took its lease, and every write is
 * conditioned on still holding it. The reconciler never places an order.
 */
export async function reconcileOnce(deps: ReconcilerDeps): Promise<number> {
  const lease: LeaseHolder = { owner: `reconciler:${randomUUID()}`, leaseS: deps.leaseS ?? 60 };
  const rows = await claimUnsettled(deps.db, lease, 20);
  for (const row of rows) {
    try {
      await settle(deps, row, lease);
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
  return rows.length + (await reconcileAttempts(deps, lease));
}

function backoffS(deps: ReconcilerDeps, attempts: number): number {
  return Math.min(deps.maxBackoffS ?? 60, 2 ** Math.min(attempts, 10));
}

async function settle(deps: ReconcilerDeps, row: ExecutionRow, lease: LeaseHolder): Promise<void> {
  const correlationId = row.correlation_id;
  const now = deps.now ?? (() => new Date());
  if (row.state === 'pending' || row.sent_at === null) {
    // Recorded but never handed to the exchange (the record of the exact order is `submitted` before it is sent).
    const settled = await updateExecution(
      deps.db,
      row.execution_id,
      { state: 'rejected', reason: 'interrupted_before_send' },
      lease,
    );
    if (settled) await announce(deps, row, settled, 'execution.interrupted', { sent: false });
    return;
  }
  const bundle = await deps.openBundle({
    credentialRef: row.credential_ref,
    approvalId: row.approval_id,
    customerId: row.customer_id,
    correlationId,
  });
  const client = clientFor(bundle, deps);
  const sentAgoS = (now().getTime() - row.sent_at.getTime()) / 1000;
  const horizonS = deps.horizonS ?? DEFAULT_RECONCILE_HORIZON_S;
  const found = await lookUp(client, row);
  const late = row.state === 'unknown';
  const times = { sent_at: row.sent_at.toISOString(), discovered_after_s: Math.round(sentAgoS) };
  const conclude = async (update: ExecutionUpdate, kind: string, details: Record<string, unknown>) => {
    const settled = await updateExecution(deps.db, row.execution_id, update, lease);
    if (settled) await announce(deps, row, settled, kind, details);
  };

  if (found.kind === 'settled') {
    const reason =
      found.update.state === 'rejected'
        ? found.update.reason
        : late
          ? 'discovered_late'
          : 'settled_by_reconciler';
    const kind =
      late && found.update.state !== 'rejected' ? 'execution.discovered_late' : 'execution.settled';
    await conclude(
      { ...found.update, reason, discoveredLate: kind === 'execution.discovered_late' },
      kind,
      times,
    );
    return;
  }
  if (sentAgoS < horizonS) {
    // Absent (or, for a cancel, still open) proves nothing yet: an exchange may still process a request it
    // holds. Look again later.
    await updateExecution(deps.db, row.execution_id, { state: 'unknown', reason: found.reason }, lease, {
      release: true,
      notBeforeS: Math.min(backoffS(deps, row.attempts), horizonS - sentAgoS + 1),
    });
    return;
  }
  const reason = row.action === 'cancel_order' ? 'not_cancelled' : 'not_placed';
  await conclude({ state: 'rejected', reason }, `execution.${reason}`, {
    sent_at: row.sent_at.toISOString(),
    horizon_s: horizonS,
    looked_up_times: row.attempts,
  });
}

type Finding = { kind: 'settled'; update: ExecutionUpdate } | { kind: 'not_yet'; reason: string };

/** What the exchange says of the execution's order now (for a cancel: of the order it cancels). */
async function lookUp(client: DeltaTradingClient, row: ExecutionRow): Promise<Finding> {
  const o = { correlationId: row.correlation_id };
  try {
    if (row.action !== 'cancel_order') {
      const order = await client.getOrderByClientId(row.client_order_id, o);
      return order
        ? { kind: 'settled', update: { state: stateOf(order), ...orderFields(order) } }
        : { kind: 'not_yet', reason: 'not_found_yet' };
    }
    const target = { id: Number(row.order_request.id), product_id: row.product_id };
    let order: DeltaOrder = await client.getOrder(target.id, o);
    if (order.state === 'open' || order.state === 'pending') order = await client.cancelOrder(target, o);
    if (order.state === 'cancelled') {
      return { kind: 'settled', update: { state: 'cancelled', ...cancelledFields(order) } };
    }
    return {
      kind: 'settled',
      update: { state: 'rejected', reason: 'order_not_open', exchange_order_id: String(order.id) },
    };
  } catch (err) {
    if (err instanceof DeltaError && row.action === 'cancel_order' && err.code === 'open_order_not_found') {
      return { kind: 'not_yet', reason: 'not_cancelled_yet' };
    }
    if (err instanceof DeltaError) throw new Error(`look-up failed: ${err.kind}`);
    throw err;
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
