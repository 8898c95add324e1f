import {
  principalLabel,
  ZAgentId,
  ZCustomerId,
  ZHiredAgent,
  ZHiredAgentId,
  ZHiredAgentList,
  ZHiredAgentUpdate,
  ZHireRequest,
  ZPauseRequest,
  ZProblem,
} from '@delta/contracts';
import type { App } from '@delta/server-kit';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  findHiredAgents,
  getHiredAgent,
  type HiredAgentDeps,
  hireAgent,
  setHiredAgentPaused,
  updateHiredAgent,
} from '../agent-mold/hired-agents.ts';
import type { AccessGuard } from '../auth/access.ts';
import { principalOf } from '../auth/principal.ts';
import { problem } from '../problems.ts';

const ZHiredParams = z.strictObject({ hired_agent_id: ZHiredAgentId });
const ZListQuery = z.strictObject({
  customer_id: ZCustomerId.optional(),
  agent_id: ZAgentId.optional(),
});

const hiredNotFound = (id: string) => () => problem('hired_agent_not_found', `No hired agent ${id}.`);
const customerNotFound = (id: string) => () => problem('customer_not_found', `No customer ${id}.`);

export function registerHiredAgentRoutes(app: App, deps: HiredAgentDeps, access: AccessGuard): void {
  /** Loads the hire and checks the caller may see it; another tenant's hire is the same 404 as a missing one. */
  const visibleHire = async (request: FastifyRequest, id: string) => {
    const hired = await getHiredAgent(deps, id);
    await access.assertTenant(request, hired.customer_id, hiredNotFound(id), { hiredAgentId: id });
    return hired;
  };

  app.post(
    '/api/v1/hired-agents',
    {
      schema: {
        tags: ['hired-agents'],
        summary: 'Hire a reference agent for a customer, with its AgentSetup',
        body: ZHireRequest,
        response: { 201: ZHiredAgent, 404: ZProblem, 409: ZProblem, 422: ZProblem },
      },
    },
    async (request, reply) => {
      const customerId = request.body.customer_id;
      await access.assertTenant(request, customerId, customerNotFound(customerId));
      return reply.code(201).send(await hireAgent(deps, request.body, request.correlationId));
    },
  );

  app.get(
    '/api/v1/hired-agents',
    { schema: { tags: ['hired-agents'], querystring: ZListQuery, response: { 200: ZHiredAgentList } } },
    async (request) => {
      const customerId = request.query.customer_id;
      return {
        items: await findHiredAgents(deps, {
          customerId: await access.scopeCustomer(request, customerId, customerNotFound(customerId ?? '')),
          agentId: request.query.agent_id,
        }),
      };
    },
  );

  app.get(
    '/api/v1/hired-agents/:hired_agent_id',
    {
      schema: { tags: ['hired-agents'], params: ZHiredParams, response: { 200: ZHiredAgent, 404: ZProblem } },
    },
    async (request) => visibleHire(request, request.params.hired_agent_id),
  );

  app.put(
    '/api/v1/hired-agents/:hired_agent_id/setup',
    {
      schema: {
        tags: ['hired-agents'],
        summary: 'Replace the AgentSetup (and optionally the plan) of a hired agent',
        params: ZHiredParams,
        body: ZHiredAgentUpdate,
        response: { 200: ZHiredAgent, 404: ZProblem, 422: ZProblem },
      },
    },
    async (request) => {
      // A hire's customer never changes, so checking it before the update cannot race.
      const hired = await visibleHire(request, request.params.hired_agent_id);
      // The plan sets what the trial and budget allow: changing it is an ops admin's decision, never an
      // operator's or a customer's (an unchanged plan in the body is no change).
      if (request.body.plan !== undefined && request.body.plan !== hired.plan) {
        access.requireOps(request, ['admin']);
      }
      return updateHiredAgent(deps, request.params.hired_agent_id, request.body, request.correlationId, {
        actor: principalLabel(principalOf(request)),
        previousPlan: hired.plan,
      });
    },
  );

  // The brake, for the customer (their own hire) and for ops: no new entry until resumed; exits still run.
  app.post(
    '/api/v1/hired-agents/:hired_agent_id/pause',
    {
      schema: {
        tags: ['hired-agents'],
        summary: 'Pause the hired agent: no new entry is approvable or executed until resumed',
        params: ZHiredParams,
        body: ZPauseRequest,
        response: { 200: ZHiredAgent, 404: ZProblem, 422: ZProblem },
      },
    },
    async (request) => {
      await visibleHire(request, request.params.hired_agent_id);
      return setHiredAgentPaused(
        deps,
        request.params.hired_agent_id,
        { paused: true, reason: request.body.reason },
        request.correlationId,
        principalLabel(principalOf(request)),
      );
    },
  );
  app.post(
    '/api/v1/hired-agents/:hired_agent_id/resume',
    {
      schema: {
        tags: ['hired-agents'],
        summary: 'Resume a paused hired agent',
        params: ZHiredParams,
        body: z.strictObject({}).optional(),
        response: { 200: ZHiredAgent, 404: ZProblem, 422: ZProblem },
      },
    },
    async (request) => {
      await visibleHire(request, request.params.hired_agent_id);
      return setHiredAgentPaused(
        deps,
        request.params.hired_agent_id,
        { paused: false },
        request.correlationId,
        principalLabel(principalOf(request)),
      );
    },
  );
}
