import {
  ZAgentId,
  ZProblem,
  ZReferenceAgent,
  ZReferenceAgentList,
  ZRunResponse,
  ZTradeRunRequest,
} from '@delta/contracts';
import type { App } from '@delta/server-kit';
import { z } from 'zod';
import type { ReferenceAgentRegistry } from '../agent-mold/reference-agents.ts';
import type { AccessGuard } from '../auth/access.ts';
import { invalidFields, problem, refusalProblem } from '../problems.ts';
import { type RunDeps, runTradingAgent } from '../skills/trading/run-trading-agent.ts';

const ZAgentParams = z.strictObject({ agent_id: ZAgentId });
const problems = {
  400: ZProblem,
  403: ZProblem,
  404: ZProblem,
  409: ZProblem,
  422: ZProblem,
  429: ZProblem,
  500: ZProblem,
  503: ZProblem,
};

export function registerReferenceAgentRoutes(
  app: App,
  registry: ReferenceAgentRegistry,
  runDeps: RunDeps,
  access: AccessGuard,
): void {
  app.get(
    '/api/v1/reference-agents',
    {
      schema: {
        tags: ['reference-agents'],
        summary: 'Reference agents with their compiled AgentSpecs',
        response: { 200: ZReferenceAgentList },
      },
    },
    async () => ({ items: registry.list() }),
  );

  app.get(
    '/api/v1/reference-agents/:agent_id',
    {
      schema: {
        tags: ['reference-agents'],
        params: ZAgentParams,
        response: { 200: ZReferenceAgent, 404: ZProblem },
      },
    },
    async (request) => {
      const agent = registry.get(request.params.agent_id);
      if (!agent) throw problem('agent_not_found', `No reference agent ${request.params.agent_id}.`);
      return agent;
    },
  );

  app.post(
    '/api/v1/reference-agents/:agent_id/run',
    {
      schema: {
        tags: ['reference-agents'],
        summary: 'Run a trade intent: a draft plan, or (with intent_action and an approval) an execution',
        params: ZAgentParams,
        body: ZTradeRunRequest,
        response: { 200: ZRunResponse, ...problems },
      },
    },
    async (request) => {
      const { agent_id: agentId } = request.params;
      const customerId = request.body.customer_id;
      // Another customer's run is answered exactly like a customer who has not hired the agent.
      await access.assertTenant(request, customerId, () =>
        problem('hired_agent_not_found', `Customer ${customerId} has not hired ${agentId}.`),
      );
      const body = request.body;
      // The run is named by this request's correlation id; a body naming another one is a mistake of the caller.
      if (body.correlation_id !== undefined && body.correlation_id !== request.correlationId) {
        throw invalidFields([
          {
            path: 'correlation_id',
            code: 'correlation_mismatch',
            message: 'must equal the X-Correlation-ID header of the request (or be omitted)',
          },
        ]);
      }
      const outcome = await runTradingAgent(runDeps, {
        agentId,
        request: body,
        correlationId: request.correlationId,
      });
      if (!outcome.ok) throw refusalProblem(outcome.refusal);
      return outcome.response;
    },
  );
}
