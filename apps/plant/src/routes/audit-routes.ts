import {
  ZAuditVerifyResult,
  ZPolicyDenialPage,
  ZPolicyDenialQuery,
  ZUsageEventPage,
  ZUsageEventQuery,
} from '@delta/contracts';
import type { App, Db } from '@delta/server-kit';
import { verifyAuditChain } from '../audit/audit-log.ts';
import { queryPolicyDenials } from '../audit/policy-decisions.ts';
import { queryUsageEvents } from '../audit/usage-events.ts';

export function registerAuditRoutes(app: App, db: Db): void {
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
    async (request) => queryUsageEvents(db, request.query),
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
    async (request) => queryPolicyDenials(db, request.query),
  );

  app.get(
    '/api/v1/audit/verify',
    {
      schema: {
        tags: ['audit'],
        summary: 'Recompute the audit hash chain; names the first broken record',
        response: { 200: ZAuditVerifyResult },
      },
    },
    async () => verifyAuditChain(db),
  );
}
