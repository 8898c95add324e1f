import {
  type THiredAgentUpdate,
  type THireRequest,
  type TOpsRole,
  type TPrincipal,
  ZAgentId,
  ZCustomerCreate,
  ZCustomerId,
  ZCustomerListQuery,
  ZHiredAgentId,
  ZHiredAgentUpdate,
  ZHireRequest,
  ZPolicyDenialQuery,
  ZTradeRunRequest,
  ZUsageEventQuery,
} from '@delta/contracts';
import type { App } from '@delta/server-kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { requireUser } from '../auth/session-plugin.ts';
import { assertCredentialUsable } from '../services/credential-ownership.ts';
import type { PlantClient, PlantResponse } from '../services/plant-client.ts';
import type { Vault } from '../services/vault.ts';

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

// The same contract schemas Plant applies: an id, a filter or a body PP would only pass on to be refused is
// refused here (422, naming the field), so it never travels further than the first door.
const ZNoQuery = z.strictObject({});
const ZAgentParams = z.strictObject({ agent_id: ZAgentId });
const ZCustomerParams = z.strictObject({ customer_id: ZCustomerId });
const ZHiredParams = z.strictObject({ hired_agent_id: ZHiredAgentId });
const ZHiredAgentQuery = z.strictObject({
  customer_id: ZCustomerId.optional(),
  agent_id: ZAgentId.optional(),
});
const ZExecutionQuery = z.strictObject({
  customer_id: ZCustomerId.optional(),
  hired_agent_id: ZHiredAgentId.optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
});

interface RelaySchema {
  params?: z.ZodType;
  querystring?: z.ZodType;
  body?: z.ZodType;
}

/**
 * PP pages read and change Plant's data through these: each checks the ops role here (before the input is
 * validated, so a role that may not act learns nothing from a 422), validates with the contract Plant uses, then
 * calls Plant through the gateway as that user. Plant re-validates everything; PP adds no fields of its own.
 */
export function registerPlantRelayRoutes(app: App, plant: PlantClient, vault: Vault): void {
  const get = (
    path: string,
    target: (p: Record<string, string>) => string,
    schema: RelaySchema = { querystring: ZNoQuery },
  ) =>
    app.get(
      path,
      {
        schema: { tags: ['plant'], ...schema },
        preValidation: async (request) => {
          requireUser(request);
        },
      },
      async (request, reply) =>
        relay(
          reply,
          await plant.call('GET', target(request.params as Record<string, string>), {
            principal: opsPrincipal(request),
            correlationId: request.correlationId,
            query: request.query as Record<string, string | number | undefined>,
          }),
        ),
    );
  const write = (
    method: 'POST' | 'PUT',
    path: string,
    role: TOpsRole,
    target: (p: Record<string, string>) => string,
    schema: RelaySchema,
    /** A portal-side check of the validated request before it goes to Plant (e.g. the credential it names). */
    check?: (request: FastifyRequest) => Promise<void>,
  ) =>
    app.route({
      method,
      url: path,
      schema: { tags: ['plant'], ...schema },
      preValidation: async (request) => {
        requireUser(request, role);
      },
      handler: async (request, reply) => {
        if (check) await check(request);
        return relay(
          reply,
          await plant.call(method, target(request.params as Record<string, string>), {
            principal: opsPrincipal(request, role),
            correlationId: request.correlationId,
            body: request.body ?? {},
          }),
        );
      },
    });
  const enc = encodeURIComponent;

  get('/api/reference-agents', () => '/api/v1/reference-agents');
  get('/api/reference-agents/:agent_id', (p) => `/api/v1/reference-agents/${enc(p.agent_id!)}`, {
    params: ZAgentParams,
    querystring: ZNoQuery,
  });
  // Draft and execute: a draft changes nothing but is still an operator's action (it counts against the trial).
  write(
    'POST',
    '/api/reference-agents/:agent_id/run',
    'operator',
    (p) => `/api/v1/reference-agents/${enc(p.agent_id!)}/run`,
    { params: ZAgentParams, body: ZTradeRunRequest },
  );

  get('/api/customers', () => '/api/v1/customers', { querystring: ZCustomerListQuery });
  write('POST', '/api/customers', 'operator', () => '/api/v1/customers', { body: ZCustomerCreate });
  get('/api/customers/:customer_id', (p) => `/api/v1/customers/${enc(p.customer_id!)}`, {
    params: ZCustomerParams,
    querystring: ZNoQuery,
  });

  get('/api/hired-agents', () => '/api/v1/hired-agents', { querystring: ZHiredAgentQuery });
  // The setup names one of this customer's active exchange accounts kept by PP — checked here, where the keys are.
  write(
    'POST',
    '/api/hired-agents',
    'operator',
    () => '/api/v1/hired-agents',
    { body: ZHireRequest },
    (request) => {
      const b = request.body as THireRequest;
      return assertCredentialUsable(vault, b.setup.credential_ref, b.customer_id, 'setup.credential_ref');
    },
  );
  get('/api/hired-agents/:hired_agent_id', (p) => `/api/v1/hired-agents/${enc(p.hired_agent_id!)}`, {
    params: ZHiredParams,
    querystring: ZNoQuery,
  });
  write(
    'PUT',
    '/api/hired-agents/:hired_agent_id/setup',
    'operator',
    (p) => `/api/v1/hired-agents/${enc(p.hired_agent_id!)}/setup`,
    { params: ZHiredParams, body: ZHiredAgentUpdate },
    async (request) => {
      const id = (request.params as { hired_agent_id: string }).hired_agent_id;
      const hired = await plant.call<{ customer_id: string }>('GET', `/api/v1/hired-agents/${enc(id)}`, {
        principal: opsPrincipal(request, 'operator'),
        correlationId: request.correlationId,
      });
      // Not found or not visible: let Plant answer the update the same way.
      if (hired.status !== 200) return;
      const b = request.body as THiredAgentUpdate;
      await assertCredentialUsable(
        vault,
        b.setup.credential_ref,
        hired.body.customer_id,
        'setup.credential_ref',
      );
    },
  );

  get('/api/executions', () => '/api/v1/executions', { querystring: ZExecutionQuery });
  get('/api/usage-events', () => '/api/v1/usage-events', { querystring: ZUsageEventQuery });
  get('/api/audit/policy-denials', () => '/api/v1/audit/policy-denials', {
    querystring: ZPolicyDenialQuery,
  });
  // /api/audit/records, /api/audit/trail and /api/audit/verify are PP's own (audit-routes.ts): they merge PP's
  // records with the gateway's and Plant's, and check both chains.
}
