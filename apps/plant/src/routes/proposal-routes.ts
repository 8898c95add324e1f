import {
  principalLabel,
  ZProblem,
  ZProposal,
  ZProposalCreate,
  ZProposalExecute,
  ZProposalExecuted,
  ZProposalId,
  ZProposalList,
  ZProposalQuery,
  ZProposalReject,
} from '@delta/contracts';
import type { App } from '@delta/server-kit';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AccessGuard } from '../auth/access.ts';
import { principalOf } from '../auth/principal.ts';
import { problem } from '../problems.ts';
import {
  createProposal,
  executeProposal,
  getProposal,
  type ProposalDeps,
  reject,
  requote,
  toProposal,
} from '../proposals/proposals.ts';
import { listProposals } from '../proposals/proposals-repository.ts';

const ZParams = z.strictObject({ proposal_id: ZProposalId });
const problems = { 403: ZProblem, 404: ZProblem, 409: ZProblem, 422: ZProblem, 429: ZProblem, 503: ZProblem };

/** The customer's inbox of proposed trades: propose, list, review, re-quote, reject, approve (execute). */
export function registerProposalRoutes(app: App, deps: ProposalDeps, access: AccessGuard): void {
  const actorOf = (request: FastifyRequest) => principalLabel(principalOf(request));
  /** Another tenant's proposal is the same 404 as a missing one (after an audited denial). */
  const visible = async (request: FastifyRequest, id: string) => {
    const row = await getProposal(deps, id);
    await access.assertTenant(
      request,
      row.customer_id,
      () => problem('proposal_not_found', `No proposal ${id}.`),
      {
        hiredAgentId: row.hired_agent_id,
      },
    );
    return row;
  };

  app.post(
    '/api/v1/proposals',
    {
      schema: {
        tags: ['proposals'],
        summary: 'Propose a trade: its plan is drafted now and waits for the customer’s answer',
        body: ZProposalCreate,
        response: { 201: ZProposal, ...problems },
      },
    },
    async (request, reply) => {
      const customerId = request.body.run.customer_id;
      await access.assertTenant(request, customerId, () =>
        problem('hired_agent_not_found', `Customer ${customerId} has not hired ${request.body.agent_id}.`),
      );
      const principal = principalOf(request);
      const proposal = await createProposal(
        deps,
        request.body,
        { label: actorOf(request), source: principal.kind === 'customer' ? 'customer' : 'ops' },
        request.correlationId,
      );
      return reply.code(201).send(proposal);
    },
  );

  app.get(
    '/api/v1/proposals',
    {
      schema: {
        tags: ['proposals'],
        querystring: ZProposalQuery,
        response: { 200: ZProposalList, ...problems },
      },
    },
    async (request) => {
      const customerId = await access.scopeCustomer(request, request.query.customer_id, () =>
        problem('customer_not_found', `No customer ${request.query.customer_id}.`),
      );
      const rows = await listProposals(deps.db, {
        customerId,
        state: request.query.state,
        limit: request.query.limit,
      });
      return { items: rows.map(toProposal) };
    },
  );

  app.get(
    '/api/v1/proposals/:proposal_id',
    { schema: { tags: ['proposals'], params: ZParams, response: { 200: ZProposal, ...problems } } },
    async (request) => toProposal(await visible(request, request.params.proposal_id)),
  );

  app.post(
    '/api/v1/proposals/:proposal_id/requote',
    {
      schema: {
        tags: ['proposals'],
        summary: 'Re-quote at the current price (renews the expiry)',
        params: ZParams,
        body: z.strictObject({}).optional(),
        response: { 200: ZProposal, ...problems },
      },
    },
    async (request) =>
      requote(
        deps,
        await visible(request, request.params.proposal_id),
        request.correlationId,
        actorOf(request),
      ),
  );

  app.post(
    '/api/v1/proposals/:proposal_id/reject',
    {
      schema: {
        tags: ['proposals'],
        params: ZParams,
        body: ZProposalReject,
        response: { 200: ZProposal, ...problems },
      },
    },
    async (request) =>
      reject(
        deps,
        await visible(request, request.params.proposal_id),
        request.body.reason,
        request.correlationId,
        actorOf(request),
      ),
  );

  app.post(
    '/api/v1/proposals/:proposal_id/execute',
    {
      schema: {
        tags: ['proposals'],
        summary: 'Approve: execute the proposal with the approval minted for its plan',
        params: ZParams,
        body: ZProposalExecute,
        response: { 200: ZProposalExecuted, ...problems },
      },
    },
    async (request) =>
      executeProposal(
        deps,
        await visible(request, request.params.proposal_id),
        request.body,
        request.correlationId,
        actorOf(request),
      ),
  );
}
