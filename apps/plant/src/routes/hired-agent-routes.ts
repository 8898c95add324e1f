import {
  ZHiredAgent,
  ZHiredAgentList,
  ZHiredAgentUpdate,
  ZHireRequest,
  ZOpaqueId,
  ZProblem,
} from '@delta/contracts';
import type { App } from '@delta/server-kit';
import { z } from 'zod';
import {
  findHiredAgents,
  getHiredAgent,
  type HiredAgentDeps,
  hireAgent,
  updateHiredAgent,
} from '../agent-mold/hired-agents.ts';

const ZHiredParams = z.strictObject({ hired_agent_id: z.uuid() });
const ZListQuery = z.strictObject({
  customer_id: ZOpaqueId.optional(),
  agent_id: z.string().max(64).optional(),
});

export function registerHiredAgentRoutes(app: App, deps: HiredAgentDeps): void {
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
    async (request, reply) =>
      reply.code(201).send(await hireAgent(deps, request.body, request.correlationId)),
  );

  app.get(
    '/api/v1/hired-agents',
    { schema: { tags: ['hired-agents'], querystring: ZListQuery, response: { 200: ZHiredAgentList } } },
    async (request) => ({
      items: await findHiredAgents(deps.db, {
        customerId: request.query.customer_id,
        agentId: request.query.agent_id,
      }),
    }),
  );

  app.get(
    '/api/v1/hired-agents/:hired_agent_id',
    {
      schema: { tags: ['hired-agents'], params: ZHiredParams, response: { 200: ZHiredAgent, 404: ZProblem } },
    },
    async (request) => getHiredAgent(deps.db, request.params.hired_agent_id),
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
    async (request) =>
      updateHiredAgent(deps, request.params.hired_agent_id, request.body, request.correlationId),
  );
}
