import { announce } from './announce-settlement.ts';
import { type AttemptRow, claimStaleAttempts, deferAttempt, resolveAttempt } from './attempts-repository.ts';
import { clientOrderIdFor } from './client-order-id.ts';
import { findExecutionByApproval, insertExecution, type LeaseHolder } from './executions-repository.ts';
import type { ReconcilerDeps } from './reconciler-deps.ts';

/**
 * Explains executions that were announced but never recorded: the request died (or gave up) around the
 * approval's consumption. Only the portal knows whether the consumption happened, so it is asked:
 * - consumed by this request → the execution is recorded `rejected` / `consumed_not_executed` and audited: the
 *   approval is used up, nothing was sent (the execution record precedes every send), approve again to retry;
 * - consumed by another request → that request's own record (or announcement) speaks for it;
 * - expired or revoked → never consumed, nothing to record;
 * - still pending, or the portal cannot be asked → looked at again later (a pending approval may yet be consumed
 *   by a request still on its way to the portal; once it expires it never can be).
 */
export async function reconcileAttempts(deps: ReconcilerDeps, lease: LeaseHolder): Promise<number> {
  const rows = await claimStaleAttempts(deps.db, lease, 20);
  for (const attempt of rows) {
    try {
      await explain(deps, attempt, lease);
    } catch (err) {
      deps.logger.warn(
        {
          execution_id: attempt.execution_id,
          correlation_id: attempt.correlation_id,
          err: err instanceof Error ? { message: err.message } : String(err),
        },
        'reconciler could not explain an announced execution yet',
      );
    }
  }
  return rows.length;
}

async function explain(deps: ReconcilerDeps, a: AttemptRow, lease: LeaseHolder): Promise<void> {
  const status = await deps.approvalStatus({
    approvalId: a.approval_id,
    customerId: a.customer_id,
    credentialRef: a.credential_ref,
    correlationId: a.correlation_id,
  });
  if (status === 'unavailable' || (status !== 'not_found' && status.state === 'pending')) {
    const waitS = Math.min(deps.maxBackoffS ?? 60, 2 ** Math.min(a.attempts, 10));
    await deferAttempt(deps.db, a.execution_id, lease, waitS);
    return;
  }
  if (status === 'not_found' || status.state !== 'consumed') {
    await resolveAttempt(deps.db, a.execution_id, 'not_consumed', lease);
    return;
  }
  if (status.consumed_by !== a.correlation_id) {
    await resolveAttempt(deps.db, a.execution_id, 'consumed_elsewhere', lease);
    return;
  }
  const recorded = await insertExecution(
    deps.db,
    {
      execution_id: a.execution_id,
      approval_id: a.approval_id,
      client_order_id: clientOrderIdFor(a.approval_id),
      customer_id: a.customer_id,
      hired_agent_id: a.hired_agent_id,
      agent_id: a.agent_id,
      credential_ref: a.credential_ref,
      intent_hash: a.intent_hash,
      action: a.action,
      product_id: a.product_id,
      product_symbol: a.product_symbol,
      side: a.side,
      size: null,
      order_request: a.order_request,
      correlation_id: a.correlation_id,
    },
    { state: 'rejected', reason: 'consumed_not_executed' },
    lease,
    'consumed_not_executed',
  );
  if (!recorded) {
    // An execution was recorded for the approval meanwhile: it speaks for itself.
    await resolveAttempt(deps.db, a.execution_id, 'executed', lease);
    return;
  }
  const settled = await findExecutionByApproval(deps.db, a.approval_id);
  if (!settled) return;
  await announce(deps, { ...settled, state: 'pending' }, settled, 'execution.consumed_not_executed', {
    consumed_at: status.consumed_at,
    announced_at: a.created_at.toISOString(),
    sent: false,
  });
}
