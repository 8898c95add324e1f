import type { TOpsRole, TPrincipal } from '@delta/contracts';
import type { App } from '@delta/server-kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { requireUser } from '../auth/session-plugin.ts';
import type { PlantClient, PlantResponse } from '../services/plant-client.ts';

/** The ops principal PP asserts to the gateway for the signed-in user. */
export function opsPrincipal(request: FastifyRequest, role: TOpsRole = 'viewer'): TPrincipal {
  const u = requireUser(request, role);
  return { kind: 'ops', user_id: u.user_id, role: u.role };
}

export function relay(reply: FastifyReply, r: PlantResponse) {
  return reply
    .code(r.status)
    .type(r.contentType)
    .serializer((p: unknown) => JSON.stringify(p))
    .send(r.body);
}

const ZAnyQuery = z.record(z.string(), z.string().max(512));
const ZAnyBody = z.unknown();

/**
 * PP pages read and change Plant's data through these: each checks the ops role here, then calls Plant through
 * the gateway as that user. Plant re-validates everything (strict schemas); PP adds no fields of its own.
 */
export function registerPlantRelayRoutes(app: App, plant: PlantClient): void {
  const get = (path: string, target: (p: Record<string, string>) => string) =>
    app.get(path, { schema: { tags: ['plant'], querystring: ZAnyQuery } }, async (request, reply) =>
      relay(
        reply,
        await plant.call('GET', target(request.params as Record<string, string>), {
          principal: opsPrincipal(request),
          correlationId: request.correlationId,
          query: request.query,
        }),
      ),
    );
  const write = (
    method: 'POST' | 'PUT',
    path: string,
    role: TOpsRole,
    target: (p: Record<string, string>) => string,
  ) =>
    app.route({
      method,
      url: path,
      schema: { tags: ['plant'], body: ZAnyBody },
      handler: async (request, reply) =>
        relay(
          reply,
          await plant.call(method, target(request.params as Record<string, string>), {
            principal: opsPrincipal(request, role),
            correlationId: request.correlationId,
            body: request.body ?? {},
          }),
        ),
    });
  const enc = encodeURIComponent;

  get('/api/reference-agents', () => '/api/v1/reference-agents');
  get('/api/reference-agents/:agent_id', (p) => `/api/v1/reference-agents/${enc(p.agent_id!)}`);
  // Draft and execute: a draft changes nothing but is still an operator's action (it counts against the trial).
  write(
    'POST',
    '/api/reference-agents/:agent_id/run',
    'operator',
    (p) => `/api/v1/reference-agents/${enc(p.agent_id!)}/run`,
  );

  get('/api/customers', () => '/api/v1/customers');
  write('POST', '/api/customers', 'operator', () => '/api/v1/customers');
  get('/api/customers/:customer_id', (p) => `/api/v1/customers/${enc(p.customer_id!)}`);

  get('/api/hired-agents', () => '/api/v1/hired-agents');
  write('POST', '/api/hired-agents', 'operator', () => '/api/v1/hired-agents');
  get('/api/hired-agents/:hired_agent_id', (p) => `/api/v1/hired-agents/${enc(p.hired_agent_id!)}`);
  write(
    'PUT',
    '/api/hired-agents/:hired_agent_id/setup',
    'operator',
    (p) => `/api/v1/hired-agents/${enc(p.hired_agent_id!)}/setup`,
  );

  get('/api/executions', () => '/api/v1/executions');
  get('/api/usage-events', () => '/api/v1/usage-events');
  get('/api/audit/policy-denials', () => '/api/v1/audit/policy-denials');
  get('/api/audit/records', () => '/api/v1/audit/records');
  get('/api/audit/verify', () => '/api/v1/audit/verify');
}
