import { randomUUID } from 'node:crypto';
import { appendAudit } from '../audit/audit-log.ts';
import type { ExecutionRow } from './executions-repository.ts';
import type { ReconcilerDeps } from './reconciler-deps.ts';

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
