import { type TExecutionView, ZCustomerId, ZExecutionList, ZHiredAgentId } from '@delta/contracts';
import type { App, Db } from '@delta/server-kit';
import { z } from 'zod';
import type { AccessGuard } from '../auth/access.ts';
import { type ExecutionRow, listExecutions } from '../execution/executions-repository.ts';
import { problem } from '../problems.ts';

function view(r: ExecutionRow): TExecutionView {
  return {
    execution_id: r.execution_id,
    approval_id: r.approval_id,
    client_order_id: r.client_order_id,
    customer_id: r.customer_id,
    hired_agent_id: r.hired_agent_id,
    agent_id: r.agent_id,
    credential_ref: r.credential_ref,
    intent_hash: r.intent_hash,
    action: r.action,
    product_symbol: r.product_symbol,
    side: r.side,
    size: r.size,
    state: r.state,
    reason: r.reason,
    exchange_order_id: r.exchange_order_id,
    filled_size: r.filled_size,
    average_fill_price: r.average_fill_price,
    fees: r.fees,
    correlation_id: r.correlation_id,
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
  };
}

/** Executions (one per approved trade action), newest first; a customer sees only its own. */
export function registerExecutionRoutes(app: App, db: Db, access: AccessGuard): void {
  app.get(
    '/api/v1/executions',
    {
      schema: {
        tags: ['executions'],
        querystring: z.strictObject({
          customer_id: ZCustomerId.optional(),
          hired_agent_id: ZHiredAgentId.optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
        response: { 200: ZExecutionList },
      },
    },
    async (request) => {
      const q = request.query;
      const customerId = await access.scopeCustomer(request, q.customer_id, () =>
        problem('customer_not_found', 'No such customer.'),
      );
      const rows = await listExecutions(db, {
        customer_id: customerId,
        hired_agent_id: q.hired_agent_id,
        limit: q.limit,
      });
      return { items: rows.map(view) };
    },
  );
}
