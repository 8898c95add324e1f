import type { ApprovalLedger, ApprovalRecord } from '@delta/approval-ledger';
import {
  type TDraftPlan,
  ZAgentId,
  ZApprovalId,
  ZApprovalView,
  ZConsentInput,
  ZCustomerId,
  ZTradeRunRequest,
} from '@delta/contracts';
import { type App, AppError, type Db } from '@delta/server-kit';
import { z } from 'zod';
import { appendAudit } from '../audit-repository.ts';
import { actorOf, requireUser } from '../auth/session-plugin.ts';
import { assertCredentialUsable } from '../services/credential-ownership.ts';
import type { PlantClient } from '../services/plant-client.ts';
import type { Vault } from '../services/vault.ts';
import { opsPrincipal, relay } from './plant-relay-routes.ts';

// The run an approval is for: the draft request's fields (no intent_action or approval_id; see the handler).
const ZMint = z.strictObject({
  agent_id: ZAgentId,
  run: ZTradeRunRequest,
  consent: ZConsentInput,
});

function view(a: ApprovalRecord) {
  return {
    ...a,
    intent_summary: a.intent_summary as Record<string, unknown>,
    evidence: (a.evidence as Record<string, unknown> | null) ?? null,
    created_at: a.created_at.toISOString(),
    expires_at: a.expires_at.toISOString(),
    expires_in_s:
      a.state === 'pending' ? Math.max(0, Math.round((a.expires_at.getTime() - Date.now()) / 1000)) : 0,
    consumed_at: a.consumed_at?.toISOString() ?? null,
    revoked_at: a.revoked_at?.toISOString() ?? null,
  };
}

/**
 * Ops-assisted approvals: the operator records the customer's consent for one draft plan; PP asks Plant for
 * that plan (never trusting a hash from the browser) and mints an approval bound to the plan's intent_hash.
 */
export function registerApprovalRoutes(
  app: App,
  deps: { db: Db; ledger: ApprovalLedger; plant: PlantClient; vault: Vault; ttlSeconds: number },
) {
  app.post(
    '/api/approvals',
    {
      schema: {
        tags: ['approvals'],
        body: ZMint,
        response: { 201: z.object({ approval: ZApprovalView, plan: z.unknown() }) },
      },
    },
    async (request, reply) => {
      const user = requireUser(request, 'operator');
      const { run, consent, agent_id } = request.body;
      if (run.intent_action || run.approval_id) {
        throw AppError.validation([
          {
            path: 'run.intent_action',
            code: 'not_allowed',
            message: 'approve a draft: leave intent_action and approval_id out',
          },
        ]);
      }
      const { correlation_id: _ignored, ...draftBody } = run;
      const draft = await deps.plant.call<{ plan: TDraftPlan }>(
        'POST',
        `/api/v1/reference-agents/${encodeURIComponent(agent_id)}/run`,
        {
          principal: opsPrincipal(request, 'operator'),
          correlationId: request.correlationId,
          body: draftBody,
        },
      );
      if (draft.status !== 200) return relay(reply, draft);
      const plan = draft.body.plan;
      const audit = {
        correlation_id: request.correlationId,
        actor: actorOf(user),
        action: 'approval.mint',
        target: plan.hired_agent_id,
      };
      if (!plan.approvable) {
        await appendAudit(deps.db, { ...audit, outcome: 'denied', reason: 'plan_not_approvable' });
        throw AppError.conflict(
          'plan_not_approvable',
          'This plan fails a risk check and cannot be approved. Change the trade and draft it again.',
          {
            risk_checks: plan.risk_checks.filter((c) => !c.passed),
          },
        );
      }
      // The exchange account the plan trades on must still be one of this customer's active accounts here.
      try {
        await assertCredentialUsable(
          deps.vault,
          plan.exchange_account_id,
          plan.customer_id,
          'run.exchange_account_id',
        );
      } catch (err) {
        await appendAudit(deps.db, {
          ...audit,
          outcome: 'denied',
          reason: err instanceof AppError ? 'credential_not_usable' : 'credential_check_failed',
        });
        throw err;
      }
      const approval = await deps.ledger.mint({
        issuer: 'pp',
        customer_id: plan.customer_id,
        hired_agent_id: plan.hired_agent_id,
        agent_id: plan.agent_id,
        credential_ref: plan.exchange_account_id,
        intent_hash: plan.intent_hash,
        intent_summary: {
          coin: plan.intent.coin,
          side: plan.intent.side,
          action: plan.intent.action,
          units: plan.intent.units,
          order_type: plan.intent.order_type,
          limit_price: plan.intent.limit_price,
          ...(plan.intent.order_id ? { order_id: plan.intent.order_id } : {}),
        },
        approver: { id: user.user_id, kind: 'ops' },
        evidence: consent,
        ttl_seconds: deps.ttlSeconds,
      });
      await appendAudit(deps.db, {
        ...audit,
        outcome: 'allowed',
        details: {
          approval_id: approval.approval_id,
          intent_hash: plan.intent_hash,
          consent_channel: consent.channel,
        },
      });
      return reply.code(201).send({ approval: view(approval), plan });
    },
  );

  app.get(
    '/api/approvals',
    {
      schema: {
        tags: ['approvals'],
        querystring: z.strictObject({
          customer_id: ZCustomerId.optional(),
          state: z.enum(['pending', 'consumed', 'expired', 'revoked']).optional(),
          cursor: z
            .string()
            .regex(/^[A-Za-z0-9_-]{1,200}$/, 'must be a next_cursor value exactly as received')
            .optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
        response: { 200: z.object({ items: z.array(ZApprovalView), next_cursor: z.string().nullable() }) },
      },
    },
    async (request) => {
      requireUser(request);
      const r = await deps.ledger.list({ issuer: 'pp', ...request.query });
      return { items: r.items.map(view), next_cursor: r.next_cursor };
    },
  );

  app.get(
    '/api/approvals/:approval_id',
    {
      schema: {
        tags: ['approvals'],
        params: z.strictObject({ approval_id: ZApprovalId }),
        response: { 200: ZApprovalView },
      },
    },
    async (request) => {
      requireUser(request);
      const a = await deps.ledger.get(request.params.approval_id);
      if (!a) throw AppError.notFound('approval_not_found', 'No such approval.');
      return view(a);
    },
  );

  app.post(
    '/api/approvals/:approval_id/revoke',
    {
      schema: {
        tags: ['approvals'],
        params: z.strictObject({ approval_id: ZApprovalId }),
        response: { 200: ZApprovalView },
      },
    },
    async (request) => {
      const user = requireUser(request, 'operator');
      const r = await deps.ledger.revoke(request.params.approval_id, { revoked_by: user.user_id });
      await appendAudit(deps.db, {
        correlation_id: request.correlationId,
        actor: actorOf(user),
        action: 'approval.revoke',
        target: request.params.approval_id,
        outcome: r.ok ? 'allowed' : 'denied',
        reason: r.ok ? null : r.reason,
      });
      if (!r.ok) {
        if (r.reason === 'not_found') throw AppError.notFound('approval_not_found', 'No such approval.');
        throw AppError.conflict(r.reason, `The approval cannot be revoked: ${r.reason.replace(/_/g, ' ')}.`);
      }
      return view(r.approval);
    },
  );
}
