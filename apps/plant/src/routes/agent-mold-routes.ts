import { ZProblem, ZSpecValidationResult } from '@delta/contracts';
import type { App } from '@delta/server-kit';
import { z } from 'zod';
import { agentSpecJsonSchema, presentDimensions, validateAgentSpec } from '../agent-mold/agent-spec.ts';
import { invalidFields } from '../problems.ts';

export function registerAgentMoldRoutes(app: App): void {
  const schema = agentSpecJsonSchema();
  app.get(
    '/api/v1/agent-mold/schema/agent-spec',
    {
      schema: {
        tags: ['agent-mold'],
        summary: 'The AgentSpec JSON Schema',
        response: { 200: z.record(z.string(), z.unknown()) },
      },
    },
    async (_request, reply) => reply.type('application/schema+json').send(schema),
  );

  app.post(
    '/api/v1/agent-mold/spec/validate',
    {
      schema: {
        tags: ['agent-mold'],
        summary: 'Validate an AgentSpec: 200, or 422 with every violation and its path',
        body: z.unknown(),
        response: { 200: ZSpecValidationResult, 422: ZProblem },
      },
    },
    async (request) => {
      const result = validateAgentSpec(request.body);
      if (!result.ok) throw invalidFields(result.violations, 'The AgentSpec is invalid.');
      return {
        valid: true as const,
        agent_id: result.spec.agent_id,
        dimensions_present: presentDimensions(result.spec),
      };
    },
  );
}
