import type { TPolicyDecisionRecord, TPolicyDenialQuery } from '@delta/contracts';
import type { Db } from '@delta/server-kit';
import { decodeCursor, nextCursor } from '@delta/server-kit';
import { type AuditRow, listPolicyDecisions } from '../db/audit-log-repository.ts';
import type { DecisionRecorder } from '../hooks/hook-bus.ts';
import { appendAudit } from './audit-log.ts';

/** Every bus decision, allow or deny, becomes exactly one audit record keyed by its decision_id. */
export function createDecisionRecorder(db: Db, newId: () => string, now: () => Date): DecisionRecorder {
  return async (decision, ctx) => {
    await appendAudit(db, {
      record_id: newId(),
      kind: 'policy_decision',
      correlation_id: ctx.correlationId,
      decision_id: decision.decision_id,
      customer_id: ctx.customerId,
      agent_id: ctx.agentId,
      hired_agent_id: ctx.hiredAgentId,
      stage: decision.stage,
      action: decision.action,
      outcome: decision.outcome,
      reason: decision.reason,
      details: {
        hook: decision.hook,
        hooks_evaluated: decision.hooks_evaluated,
        intent_hash: ctx.plan?.intent_hash ?? null,
        approval_id: ctx.approvalId ?? null,
        ...decision.details,
      },
      recorded_at: now(),
    });
  };
}

function toApi(row: AuditRow): TPolicyDecisionRecord {
  return {
    seq: row.seq,
    record_id: row.record_id,
    decision_id: row.decision_id ?? '',
    correlation_id: row.correlation_id,
    customer_id: row.customer_id,
    agent_id: row.agent_id,
    hired_agent_id: row.hired_agent_id,
    stage: row.stage ?? '',
    action: row.action ?? '',
    outcome: row.outcome === 'allow' ? 'allow' : 'deny',
    reason: row.reason ?? '',
    details: row.details,
    recorded_at: row.recorded_at.toISOString(),
  };
}

export async function queryPolicyDenials(db: Db, query: TPolicyDenialQuery) {
  const rows = await listPolicyDecisions(db, {
    outcome: 'deny',
    correlationId: query.correlation_id,
    customerId: query.customer_id,
    agentId: query.agent_id,
    action: query.action,
    stage: query.stage,
    reason: query.reason,
    from: query.from ? new Date(query.from) : undefined,
    to: query.to ? new Date(query.to) : undefined,
    afterSeq: decodeCursor(query.cursor),
    limit: query.limit,
  });
  return { items: rows.map(toApi), next_cursor: nextCursor(rows, query.limit) };
}
