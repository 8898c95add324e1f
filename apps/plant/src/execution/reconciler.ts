import { randomUUID } from 'node:crypto';
import { DeltaError, type DeltaOrder, type DeltaTradingClient } from '@delta/delta-client';
import type { Db, Logger } from '@delta/server-kit';
import { appendAudit } from '../audit/audit-log.ts';
import type { UsageRecorder } from '../audit/usage-events.ts';
import { reconcileAttempts } from './attempt-reconciler.ts';
import type { BundleOpener } from './credential-bundles.ts';
import { cancelledFields, clientFor, orderFields, stateOf } from './exchange-outcomes.ts';
import {
  claimUnsettled,
  type ExecutionRow,
  type ExecutionUpdate,
  type LeaseHolder,
  updateExecution,
} from './executions-repository.ts';
import type { ApprovalStatusReader } from './portal-approval-status.ts';

export interface ReconcilerDeps {
  db: Db;
  logger: Logger;
  openBundle: BundleOpener;
  recordUsage: UsageRecorder;
  /** Asks the portal that minted an approval what became of it (for requests that died around its consumption). */
  approvalStatus: ApprovalStatusReader;
  paperUrl?: string;
  /**
   * How long after an order was sent its absence at the exchange is still provisional (default 900 s). Until then
   * the execution stays `unknown` and is looked up again and again; after it, `not_placed`. See docs/execution.md.
   */
  horizonS?: number;
  /** How long one pass holds the rows it claimed (default 60 s). */
  leaseS?: number;
  /** Longest wait between two look-ups of the same execution (default 60 s; the first waits come sooner). */
  maxBackoffS?: number;
  now?: () => Date;
  newId?: () => string;
}

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

/** The verdict on the audit chain and as a usage event; a late discovery also warns ops in the log. */
export async function announce(
  deps: Pick<ReconcilerDeps, 'db' | 'logger' | 'recordUsage' | 'now' | 'newId'>,
  row: Pick<
    ExecutionRow,
    | 'execution_id'
    | 'approval_id'
    | 'client_order_id'
    | 'state'
    | 'correlation_id'
    | 'customer_id'
    | 'agent_id'
  > &
    Pick<ExecutionRow, 'hired_agent_id' | 'action'>,
  settled: ExecutionRow,
  kind: string,
  times: Record<string, unknown>,
): Promise<void> {
  const now = deps.now ?? (() => new Date());
  const details = {
    execution_id: row.execution_id,
    approval_id: row.approval_id,
    client_order_id: row.client_order_id,
    previous_state: row.state,
    state: settled.state,
    exchange_order_id: settled.exchange_order_id,
    filled_size: settled.filled_size,
    ...times,
  };
  await appendAudit(deps.db, {
    record_id: (deps.newId ?? randomUUID)(),
    kind,
    correlation_id: row.correlation_id,
    customer_id: row.customer_id,
    agent_id: row.agent_id,
    hired_agent_id: row.hired_agent_id,
    action: row.action,
    outcome: settled.state,
    reason: settled.reason,
    details,
    recorded_at: now(),
  });
  await deps.recordUsage({
    correlation_id: row.correlation_id,
    customer_id: row.customer_id,
    agent_id: row.agent_id,
    hired_agent_id: row.hired_agent_id,
    action: row.action,
    event_type: kind === 'execution.discovered_late' ? 'execution_discovered_late' : 'execution_settled',
    outcome: settled.state,
    details: {
      client_order_id: row.client_order_id,
      exchange_order_id: settled.exchange_order_id,
      reason: settled.reason,
    },
  });
  const log = { execution_id: row.execution_id, correlation_id: row.correlation_id, state: settled.state };
  if (kind === 'execution.discovered_late') {
    deps.logger.warn(
      { ...log, ...times },
      'an order recorded as unknown was found at the exchange: the customer holds it',
    );
  } else if (kind === 'execution.consumed_not_executed') {
    deps.logger.warn(
      log,
      'an approval was consumed by a request that died before executing it: nothing was sent',
    );
  } else {
    deps.logger.info(log, 'execution settled by reconciler');
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
