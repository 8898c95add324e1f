import { isConsumeRefusalReason } from '@delta/contracts';
import type { Db, Logger } from '@delta/server-kit';
import type { ApprovalVerifier } from '../integrations/approval-verifier.ts';
import { insertAttempt, resolveAttempt } from './attempts-repository.ts';
import { requestBody } from './delta-order-executor.ts';
import { requestLeaseOwner } from './execution-lease.ts';

/** The request's hold on its announcement: longer than the consumption may take (the hook allows it 15 s). */
export const DEFAULT_ATTEMPT_LEASE_S = 60;

/**
 * Every consumption is announced first: the execution it is for is written to execution_attempts (held by the
 * request) before the portal is asked. If the request dies between the portal's "consumed" and its own record of
 * the execution, the reconciler finds the announcement and says so (attempt-reconciler.ts) — an approval is
 * never used up without a trace. A definite refusal from the ledger settles the announcement at once; anything
 * less definite (no answer, a timeout) leaves it for the reconciler to ask about.
 */
export function announcingConsumption(
  inner: ApprovalVerifier,
  deps: { db: Db; logger: Logger; leaseS?: number | undefined },
): ApprovalVerifier {
  return {
    async consume(req) {
      const { executionId, plan } = req;
      // Fail closed: a consumption that cannot be announced does not happen.
      if (!executionId || !plan) return { ok: false, reason: 'execution_not_announced' };
      const lease = { owner: requestLeaseOwner(executionId), leaseS: deps.leaseS ?? DEFAULT_ATTEMPT_LEASE_S };
      try {
        await insertAttempt(
          deps.db,
          {
            execution_id: executionId,
            approval_id: req.approvalId,
            customer_id: req.customerId,
            hired_agent_id: req.hiredAgentId,
            agent_id: plan.agent_id,
            credential_ref: req.credentialRef,
            intent_hash: req.intentHash,
            action: plan.intent.intent_action,
            product_id: plan.order.product_id,
            product_symbol: plan.order.product_symbol,
            side: plan.order.side,
            order_request: requestBody({ plan, order: plan.order }),
            correlation_id: req.correlationId,
          },
          lease,
        );
      } catch (err) {
        deps.logger.error({ err, correlation_id: req.correlationId }, 'the execution could not be announced');
        return { ok: false, reason: 'execution_not_announced' };
      }
      const verdict = await inner.consume(req);
      if (!verdict.ok && isConsumeRefusalReason(verdict.reason)) {
        await resolveAttempt(deps.db, executionId, 'not_consumed', lease).catch((err: unknown) =>
          deps.logger.warn({ err, execution_id: executionId }, 'announcement left for the reconciler'),
        );
      }
      return verdict;
    },
  };
}
