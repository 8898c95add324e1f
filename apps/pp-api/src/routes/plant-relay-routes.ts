import {
  type THiredAgentUpdate,
  type THireRequest,
  type TOpsRole,
  type TPrincipal,
  ZAgentId,
  ZCustomer,
  ZCustomerCreate,
  ZCustomerId,
  ZCustomerListQuery,
  ZCustomerPage,
  ZExecutionList,
  ZHiredAgent,
  ZHiredAgentId,
  ZHiredAgentList,
  ZHiredAgentUpdate,
  ZHireRequest,
  ZPauseRequest,
  ZPolicyDenialPage,
  ZPolicyDenialQuery,
  ZProposal,
  ZProposalCreate,
  ZProposalExecute,
  ZProposalExecuted,
  ZProposalId,
  ZProposalList,
  ZProposalQuery,
  ZProposalReject,
  ZReferenceAgent,
  ZReferenceAgentList,
  ZRunResponse,
  ZTradeRunRequest,
  ZUsageEventPage,
  ZUsageEventQuery,
} from '@delta/contracts';
import { assertCredentialUsable, type PlantClient, relayPlantAnswer, type Vault } from '@delta/portal';
import type { App } from '@delta/server-kit';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { requireUser } from '../auth/session-plugin.ts';

/** The ops principal PP asserts to the gateway for the signed-in user. */
export function opsPrincipal(request: FastifyRequest, role: TOpsRole = 'viewer'): TPrincipal {
  const u = requireUser(request, role);
  return { kind: 'ops', user_id: u.user_id, role: u.role };
}

/** PP's relays pass Plant's answer on as it is (the portal core's relay). */
export const relay = relayPlantAnswer;

// The same contract schemas Plant applies: an id, a filter or a body PP would only pass on to be refused is
// refused here (422, naming the field), so it never travels further than the first door.
const ZNoQuery = z.strictObject({});
const ZAgentParams = z.strictObject({ agent_id: ZAgentId });
const ZCustomerParams = z.strictObject({ customer_id: ZCustomerId });
const ZHiredParams = z.strictObject({ hired_agent_id: ZHiredAgentId });
const ZProposalParams = z.strictObject({ proposal_id: ZProposalId });
const ZHiredAgentQuery = z.strictObject({
  customer_id: ZCustomerId.optional(),
  agent_id: ZAgentId.optional(),
});
const ZExecutionQuery = z.strictObject({
  customer_id: ZCustomerId.optional(),
  hired_agent_id: ZHiredAgentId.optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
});

/** One PP route that relays to one Plant route: who may call it, what it accepts, what Plant answers. */
export interface PlantRelay {
  method: 'GET' | 'POST' | 'PUT';
  /** PP's route. */
  path: string;
  /** Plant's route, as its Fastify route (params as `:name`), and how PP's params fill it. */
  plantRoute: string;
  role: TOpsRole;
  params?: z.ZodType;
  querystring?: z.ZodType;
  body?: z.ZodType;
  /** Plant's answer on success (its route declares the same contract). */
  answer: z.ZodType;
  /** A portal-side check of the validated request before it goes to Plant (e.g. the credential it names). */
  check?: (request: FastifyRequest, plant: PlantClient, vault: Vault) => Promise<void>;
}

/** The setup names one of this customer's active exchange accounts kept by PP — checked here, where the keys are. */
const hireNamesOwnCredential: PlantRelay['check'] = async (request, _plant, vault) => {
  const b = request.body as THireRequest;
  await assertCredentialUsable(vault, b.setup.credential_ref, b.customer_id, 'setup.credential_ref');
};
const setupNamesOwnCredential: PlantRelay['check'] = async (request, plant, vault) => {
  const id = (request.params as { hired_agent_id: string }).hired_agent_id;
  const hired = await plant.call('GET', `/api/v1/hired-agents/${encodeURIComponent(id)}`, {
    principal: opsPrincipal(request, 'operator'),
    correlationId: request.correlationId,
    answer: ZHiredAgent,
  });
  // Not found or not visible: let Plant answer the update the same way.
  if (!hired.ok) return;
  const b = request.body as THiredAgentUpdate;
  await assertCredentialUsable(vault, b.setup.credential_ref, hired.body.customer_id, 'setup.credential_ref');
};

const agent = { params: ZAgentParams };
/**
 * Every relay PP serves. A contract test (plant-relays.test.ts) checks each points at a route Plant has, with the
 * same answer contract.
 */
export const PLANT_RELAYS: readonly PlantRelay[] = [
  {
    method: 'GET',
    path: '/api/reference-agents',
    plantRoute: '/api/v1/reference-agents',
    role: 'viewer',
    querystring: ZNoQuery,
    answer: ZReferenceAgentList,
  },
  {
    method: 'GET',
    path: '/api/reference-agents/:agent_id',
    plantRoute: '/api/v1/reference-agents/:agent_id',
    role: 'viewer',
    ...agent,
    querystring: ZNoQuery,
    answer: ZReferenceAgent,
  },
  // Draft and execute: a draft changes nothing but is still an operator's action.
  {
    method: 'POST',
    path: '/api/reference-agents/:agent_id/run',
    plantRoute: '/api/v1/reference-agents/:agent_id/run',
    role: 'operator',
    ...agent,
    body: ZTradeRunRequest,
    answer: ZRunResponse,
  },
  {
    method: 'GET',
    path: '/api/customers',
    plantRoute: '/api/v1/customers',
    role: 'viewer',
    querystring: ZCustomerListQuery,
    answer: ZCustomerPage,
  },
  {
    method: 'POST',
    path: '/api/customers',
    plantRoute: '/api/v1/customers',
    role: 'operator',
    body: ZCustomerCreate,
    answer: ZCustomer,
  },
  {
    method: 'GET',
    path: '/api/customers/:customer_id',
    plantRoute: '/api/v1/customers/:customer_id',
    role: 'viewer',
    params: ZCustomerParams,
    querystring: ZNoQuery,
    answer: ZCustomer,
  },
  {
    method: 'GET',
    path: '/api/hired-agents',
    plantRoute: '/api/v1/hired-agents',
    role: 'viewer',
    querystring: ZHiredAgentQuery,
    answer: ZHiredAgentList,
  },
  {
    method: 'POST',
    path: '/api/hired-agents',
    plantRoute: '/api/v1/hired-agents',
    role: 'operator',
    body: ZHireRequest,
    answer: ZHiredAgent,
    check: hireNamesOwnCredential,
  },
  {
    method: 'GET',
    path: '/api/hired-agents/:hired_agent_id',
    plantRoute: '/api/v1/hired-agents/:hired_agent_id',
    role: 'viewer',
    params: ZHiredParams,
    querystring: ZNoQuery,
    answer: ZHiredAgent,
  },
  {
    method: 'PUT',
    path: '/api/hired-agents/:hired_agent_id/setup',
    plantRoute: '/api/v1/hired-agents/:hired_agent_id/setup',
    role: 'operator',
    params: ZHiredParams,
    body: ZHiredAgentUpdate,
    answer: ZHiredAgent,
    check: setupNamesOwnCredential,
  },
  {
    method: 'POST',
    path: '/api/hired-agents/:hired_agent_id/pause',
    plantRoute: '/api/v1/hired-agents/:hired_agent_id/pause',
    role: 'operator',
    params: ZHiredParams,
    body: ZPauseRequest,
    answer: ZHiredAgent,
  },
  {
    method: 'POST',
    path: '/api/hired-agents/:hired_agent_id/resume',
    plantRoute: '/api/v1/hired-agents/:hired_agent_id/resume',
    role: 'operator',
    params: ZHiredParams,
    body: z.strictObject({}).optional(),
    answer: ZHiredAgent,
  },
  // Proposed trades: ops draft them for a customer (whose inbox they land in) and may answer them on the
  // customer's recorded consent, as with /api/approvals.
  {
    method: 'POST',
    path: '/api/proposals',
    plantRoute: '/api/v1/proposals',
    role: 'operator',
    body: ZProposalCreate,
    answer: ZProposal,
  },
  {
    method: 'GET',
    path: '/api/proposals',
    plantRoute: '/api/v1/proposals',
    role: 'viewer',
    querystring: ZProposalQuery,
    answer: ZProposalList,
  },
  {
    method: 'GET',
    path: '/api/proposals/:proposal_id',
    plantRoute: '/api/v1/proposals/:proposal_id',
    role: 'viewer',
    params: ZProposalParams,
    querystring: ZNoQuery,
    answer: ZProposal,
  },
  {
    method: 'POST',
    path: '/api/proposals/:proposal_id/requote',
    plantRoute: '/api/v1/proposals/:proposal_id/requote',
    role: 'operator',
    params: ZProposalParams,
    body: z.strictObject({}).optional(),
    answer: ZProposal,
  },
  {
    method: 'POST',
    path: '/api/proposals/:proposal_id/reject',
    plantRoute: '/api/v1/proposals/:proposal_id/reject',
    role: 'operator',
    params: ZProposalParams,
    body: ZProposalReject,
    answer: ZProposal,
  },
  {
    method: 'POST',
    path: '/api/proposals/:proposal_id/execute',
    plantRoute: '/api/v1/proposals/:proposal_id/execute',
    role: 'operator',
    params: ZProposalParams,
    body: ZProposalExecute,
    answer: ZProposalExecuted,
  },
  {
    method: 'GET',
    path: '/api/executions',
    plantRoute: '/api/v1/executions',
    role: 'viewer',
    querystring: ZExecutionQuery,
    answer: ZExecutionList,
  },
  {
    method: 'GET',
    path: '/api/usage-events',
    plantRoute: '/api/v1/usage-events',
    role: 'viewer',
    querystring: ZUsageEventQuery,
    answer: ZUsageEventPage,
  },
  {
    method: 'GET',
    path: '/api/audit/policy-denials',
    plantRoute: '/api/v1/audit/policy-denials',
    role: 'viewer',
    querystring: ZPolicyDenialQuery,
    answer: ZPolicyDenialPage,
  },
  // /api/audit/records, /api/audit/trail and /api/audit/verify are PP's own (audit-routes.ts): they merge PP's
  // records with the gateway's and Plant's, and check both chains.
];

/** Plant's path for a relay: its route with PP's params filled in (each one encoded, one segment). */
function plantPath(route: string, params: Record<string, string>): string {
  return route.replace(/:([a-z_]+)/g, (_m, name: string) => encodeURIComponent(params[name] ?? ''));
}

/**
 * PP pages read and change Plant's data through these: each checks the ops role here (before the input is
 * validated, so a role that may not act learns nothing from a 422), validates with the contract Plant uses, then
 * calls Plant through the gateway as that user and passes on its answer, parsed with Plant's answer contract.
 * Plant re-validates everything; PP adds no fields of its own.
 */
export function registerPlantRelayRoutes(app: App, plant: PlantClient, vault: Vault): void {
  for (const r of PLANT_RELAYS) {
    app.route({
      method: r.method,
      url: r.path,
      schema: {
        tags: ['plant'],
        ...(r.params ? { params: r.params } : {}),
        ...(r.querystring ? { querystring: r.querystring } : {}),
        ...(r.body ? { body: r.body } : {}),
      },
      preValidation: async (request) => {
        requireUser(request, r.role);
      },
      handler: async (request, reply) => {
        await r.check?.(request, plant, vault);
        const answer = await plant.call(
          r.method,
          plantPath(r.plantRoute, request.params as Record<string, string>),
          {
            principal: opsPrincipal(request, r.role),
            correlationId: request.correlationId,
            answer: r.answer,
            ...(r.method === 'GET'
              ? { query: request.query as Record<string, string | number | undefined> }
              : { body: request.body ?? {} }),
          },
        );
        return relay(reply, answer);
      },
    });
  }
}
