import {
  ZAuditVerifyResult,
  ZCustomerStoryQuery,
  ZPlantAuditRecordPage,
  ZPlantAuditRecordQuery,
  ZPolicyDenialPage,
  ZPolicyDenialQuery,
  ZProblem,
  ZUsageEventPage,
  ZUsageEventQuery,
} from '@delta/contracts';
import type { App, Db } from '@delta/server-kit';
import { verifyAuditChain } from '../audit/audit-log.ts';
import { queryAuditRecords, queryCustomerStory } from '../audit/audit-records.ts';
import { queryPolicyDenials } from '../audit/policy-decisions.ts';
import { queryUsageEvents } from '../audit/usage-events.ts';
import type { AccessGuard } from '../auth/access.ts';
import { problem } from '../problems.ts';

const customerNotFound = (id: string | undefined) => () =>
  problem('customer_not_found', `No customer ${id ?? ''}.`);

/**
 * Usage events and policy denials are tenant data: a customer sees only its own (the filter is forced). The chain
 * check is ops-only — it reads every tenant's records and is an operational control, not a customer view.
 */
export function registerAuditRoutes(app: App, db: Db, access: AccessGuard): void {
  app.get(
    '/api/v1/usage-events',
    {
      schema: {
        tags: ['audit'],
        summary: 'Usage events, oldest first, with filters and cursor pagination',
        querystring: ZUsageEventQuery,
        response: { 200: ZUsageEventPage },
      },
    },
    async (request) => {
      const q = request.query;
      const customerId = await access.scopeCustomer(request, q.customer_id, customerNotFound(q.customer_id));
      return queryUsageEvents(db, { ...q, customer_id: customerId });
    },
  );

  app.get(
    '/api/v1/audit/policy-denials',
    {
      schema: {
        tags: ['audit'],
        summary: 'Policy denials, oldest first, with filters and cursor pagination',
        querystring: ZPolicyDenialQuery,
        response: { 200: ZPolicyDenialPage },
      },
    },
    async (request) => {
      const q = request.query;
      const customerId = await access.scopeCustomer(request, q.customer_id, customerNotFound(q.customer_id));
      return queryPolicyDenials(db, { ...q, customer_id: customerId });
    },
  );

  app.get(
    '/api/v1/audit/story',
    {
      schema: {
        tags: ['audit'],
        summary: "A customer's own story: decisions, setup, brake, proposals, executions — newest first",
        querystring: ZCustomerStoryQuery,
        response: { 200: ZPlantAuditRecordPage, 404: ZProblem, 422: ZProblem },
      },
    },
    async (request) => {
      const customerId = await access.scopeCustomer(
        request,
        request.query.customer_id,
        customerNotFound(request.query.customer_id),
      );
      if (!customerId) {
        throw problem('validation_failed', 'Name the customer whose story to read.', {
          extra: { errors: [{ path: 'customer_id', code: 'required', message: 'give the customer_id' }] },
        });
      }
      return queryCustomerStory(db, { customerId, cursor: request.query.cursor, limit: request.query.limit });
    },
  );

  app.get(
    '/api/v1/audit/records',
    {
      schema: {
        tags: ['audit'],
        summary: 'Every audit record (decisions, refusals, access denials, changes), newest first; ops only',
        querystring: ZPlantAuditRecordQuery,
        response: { 200: ZPlantAuditRecordPage, 403: ZProblem },
      },
    },
    async (request) => {
      // Refusals and access denials name principals of every tenant: an operational view, like the chain check.
      access.requireOps(request);
      return queryAuditRecords(db, request.query);
    },
  );

  app.get(
    '/api/v1/audit/verify',
    {
      schema: {
        tags: ['audit'],
        summary: 'Recompute the audit hash chain; names the first broken record',
        response: { 200: ZAuditVerifyResult, 403: ZProblem },
      },
    },
    async (request) => {
      access.requireOps(request);
      return verifyAuditChain(db);
    },
  );
}
