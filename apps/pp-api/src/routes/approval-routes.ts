import {
  ZAgentId,
  ZApprovalId,
  ZApprovalView,
  ZConsentInput,
  ZCustomerId,
  ZDraftPlan,
  ZPageQuery,
  ZTradeRunRequest,
} from '@delta/contracts';
import { approvalView, type MintDeps, mintApproval, revokeApproval } from '@delta/portal';
import { type App, AppError } from '@delta/server-kit';
import { z } from 'zod';
import { actorOf, requireUser } from '../auth/session-plugin.ts';
import { opsPrincipal, relay } from './plant-relay-routes.ts';

// The run an approval is for: the draft request's fields (no intent_action or approval_id; mintApproval checks).
const ZMint = z.strictObject({ agent_id: ZAgentId, run: ZTradeRunRequest, consent: ZConsentInput });
const ZApprovalParams = z.strictObject({ approval_id: ZApprovalId });

/**
 * Ops-assisted approvals: the operator records the customer's consent for one draft plan, and the portal core
 * mints an approval bound to the plan Plant drafts now (never to a hash from the browser).
 */
export function registerApprovalRoutes(app: App, deps: { approvals: MintDeps }) {
  const { ledger } = deps.approvals;

  app.post(
    '/api/approvals',
    {
      schema: {
        tags: ['approvals'],
        body: ZMint,
        // `run`: the execution request the approval is for (with the band's reference price, when it binds one).
        response: {
          201: z.object({
            approval: ZApprovalView,
            plan: ZDraftPlan,
            run: z.record(z.string(), z.unknown()),
          }),
        },
      },
    },
    async (request, reply) => {
      const user = requireUser(request, 'operator');
      const { run, consent, agent_id } = request.body;
      const minted = await mintApproval(deps.approvals, {
        agentId: agent_id,
        run,
        principal: opsPrincipal(request, 'operator'),
        approver: { id: user.user_id, kind: 'ops' },
        evidence: consent,
        actor: actorOf(user),
        correlationId: request.correlationId,
      });
      if (!minted.ok) return relay(reply, minted.refusal);
      return reply
        .code(201)
        .send({ approval: approvalView(minted.approval), plan: minted.plan, run: minted.run });
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
          ...ZPageQuery,
        }),
        response: { 200: z.object({ items: z.array(ZApprovalView), next_cursor: z.string().nullable() }) },
      },
    },
    async (request) => {
      requireUser(request);
      const r = await ledger.list({ issuer: 'pp', ...request.query });
      return { items: r.items.map(approvalView), next_cursor: r.next_cursor };
    },
  );

  app.get(
    '/api/approvals/:approval_id',
    { schema: { tags: ['approvals'], params: ZApprovalParams, response: { 200: ZApprovalView } } },
    async (request) => {
      requireUser(request);
      const a = await ledger.get(request.params.approval_id);
      if (!a) throw AppError.notFound('approval_not_found', 'No such approval.');
      return approvalView(a);
    },
  );

  app.post(
    '/api/approvals/:approval_id/revoke',
    { schema: { tags: ['approvals'], params: ZApprovalParams, response: { 200: ZApprovalView } } },
    async (request) => {
      const user = requireUser(request, 'operator');
      const who = { actor: actorOf(user), correlationId: request.correlationId, revokedBy: user.user_id };
      return approvalView(await revokeApproval(deps.approvals, request.params.approval_id, who));
    },
  );
}
