import {
  type TDraftPlan,
  type THiredAgentUpdate,
  type TPrincipal,
  type TProposal,
  type TStepUpRecord,
  type TTradeRunRequest,
  ZApprovalId,
  ZApprovalView,
  ZCredentialRef,
  ZCredentialView,
  ZExecutionList,
  ZHiredAgent,
  ZHiredAgentId,
  ZHiredAgentList,
  ZHiredAgentUpdate,
  ZPauseRequest,
  ZPlantAuditRecordPage,
  ZProposal,
  ZProposalCreate,
  ZProposalExecuted,
  ZProposalId,
  ZProposalList,
  ZProposalReject,
  ZProposalState,
} from '@delta/contracts';
import {
  approvalView,
  assertCredentialUsable,
  listCredentials,
  mintApproval,
  type PortalCore,
  relayPlantAnswer,
  revokeCredential,
  rotateCredential,
  storeCredential,
  ZCredentialCreate,
  ZCredentialRotate,
} from '@delta/portal';
import { type App, AppError } from '@delta/server-kit';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';

/** The signed-in customer a request acts for (CP's session), and its audit label. */
export interface CustomerSession {
  customer_id: string;
  user_id: string;
}

export interface CpTradingDeps {
  core: PortalCore;
  /** The request's customer, or 401 (CP's session plugin). */
  requireCustomer(request: FastifyRequest): CustomerSession;
  /** Checks a fresh step-up bound to `intentHash` (passkey or TOTP), or refuses; audited by CP's auth. */
  verifyStepUp(
    request: FastifyRequest,
    session: CustomerSession,
    intentHash: string,
    evidence: unknown,
  ): Promise<TStepUpRecord>;
}

const ZRefParams = z.strictObject({ credential_ref: ZCredentialRef });
const ZHiredParams = z.strictObject({ hired_agent_id: ZHiredAgentId });
const ZProposalParams = z.strictObject({ proposal_id: ZProposalId });
const ZApprovalParams = z.strictObject({ approval_id: ZApprovalId });
/** Approve: the step-up that answers the challenge bound to the proposal's plan (its shape is CP auth's). */
const ZApprove = z.strictObject({ step_up: z.record(z.string(), z.unknown()) });

const ZStoryItem = z.object({
  at: z.string(),
  source: z.enum(['cp', 'plant']),
  what: z.string(),
  outcome: z.string(),
  reason: z.string().nullable(),
  correlation_id: z.string(),
  details: z.record(z.string(), z.unknown()),
});

export const actorOf = (s: CustomerSession) => `customer:${s.customer_id}/${s.user_id}`;

/** Whom CP asks Plant as: the session's customer, never an id from the request. */
export const principalOf = (s: CustomerSession): TPrincipal => ({
  kind: 'customer',
  user_id: s.user_id,
  customer_id: s.customer_id,
});

/** A Plant call's principal and correlation id for this request's customer. */
export const plantAs = (request: FastifyRequest, s: CustomerSession) => ({
  principal: principalOf(s),
  correlationId: request.correlationId,
});

/**
 * The customer's own trading desk: exchange keys (the portal core's vault), the agent's setup and brake, the
 * inbox of proposed trades with approve-by-step-up, approvals and executions. Plant is asked as the customer
 * (its tenancy applies again there); the keys never leave this process.
 */
export function registerCpTradingRoutes(app: App, deps: CpTradingDeps): void {
  const { core } = deps;
  const who = (request: FastifyRequest, s: CustomerSession) => ({
    actor: actorOf(s),
    correlationId: request.correlationId,
  });

  // ── Exchange keys ────────────────────────────────────────────────────────────────────────────────────────
  app.get(
    '/api/credentials',
    { schema: { tags: ['exchange keys'], response: { 200: z.object({ items: z.array(ZCredentialView) }) } } },
    async (request) => {
      const s = deps.requireCustomer(request);
      return { items: await listCredentials(core.credentials, s.customer_id) };
    },
  );
  app.post(
    '/api/credentials',
    { schema: { tags: ['exchange keys'], body: ZCredentialCreate, response: { 201: ZCredentialView } } },
    async (request, reply) => {
      const s = deps.requireCustomer(request);
      const stored = await storeCredential(core.credentials, s.customer_id, request.body, who(request, s));
      return reply.code(201).send(stored);
    },
  );
  app.post(
    '/api/credentials/:credential_ref/rotate',
    {
      schema: {
        tags: ['exchange keys'],
        params: ZRefParams,
        body: ZCredentialRotate,
        response: { 200: ZCredentialView },
      },
    },
    async (request) => {
      const s = deps.requireCustomer(request);
      return rotateCredential(
        core.credentials,
        request.params.credential_ref,
        request.body,
        who(request, s),
        {
          customerId: s.customer_id,
        },
      );
    },
  );
  app.post(
    '/api/credentials/:credential_ref/revoke',
    { schema: { tags: ['exchange keys'], params: ZRefParams, response: { 200: ZCredentialView } } },
    async (request) => {
      const s = deps.requireCustomer(request);
      return revokeCredential(core.credentials, request.params.credential_ref, who(request, s), {
        customerId: s.customer_id,
      });
    },
  );

  // ── The agent: setup and brake ───────────────────────────────────────────────────────────────────────────
  app.get(
    '/api/agents',
    { schema: { tags: ['agent'], response: { 200: ZHiredAgentList } } },
    async (request, reply) => {
      const s = deps.requireCustomer(request);
      const r = await core.plant.call('GET', '/api/v1/hired-agents', {
        ...plantAs(request, s),
        query: { customer_id: s.customer_id },
        answer: ZHiredAgentList,
      });
      return relayPlantAnswer(reply, r);
    },
  );
  app.get(
    '/api/agents/:hired_agent_id',
    { schema: { tags: ['agent'], params: ZHiredParams, response: { 200: ZHiredAgent } } },
    async (request, reply) => {
      const s = deps.requireCustomer(request);
      const r = await core.plant.call('GET', `/api/v1/hired-agents/${request.params.hired_agent_id}`, {
        ...plantAs(request, s),
        answer: ZHiredAgent,
      });
      return relayPlantAnswer(reply, r);
    },
  );
  app.put(
    '/api/agents/:hired_agent_id/setup',
    {
      schema: {
        tags: ['agent'],
        params: ZHiredParams,
        body: ZHiredAgentUpdate,
        response: { 200: ZHiredAgent },
      },
    },
    async (request, reply) => {
      const s = deps.requireCustomer(request);
      const body = request.body as THiredAgentUpdate;
      // The keys are kept here: the setup must name one of this customer's active CP accounts.
      await assertCredentialUsable(
        core.vault,
        body.setup.credential_ref,
        s.customer_id,
        'setup.credential_ref',
      );
      const r = await core.plant.call('PUT', `/api/v1/hired-agents/${request.params.hired_agent_id}/setup`, {
        ...plantAs(request, s),
        body,
        answer: ZHiredAgent,
      });
      await core.audit.append(core.credentials.db, {
        correlation_id: request.correlationId,
        actor: actorOf(s),
        action: 'agent_setup.update',
        target: request.params.hired_agent_id,
        customer_id: s.customer_id,
        outcome: r.ok ? 'allowed' : 'denied',
        reason: r.ok ? null : r.body.reason,
      });
      return relayPlantAnswer(reply, r);
    },
  );
  for (const [verb, body] of [
    ['pause', ZPauseRequest],
    ['resume', z.strictObject({}).optional()],
  ] as const) {
    app.post(
      `/api/agents/:hired_agent_id/${verb}`,
      { schema: { tags: ['agent'], params: ZHiredParams, body, response: { 200: ZHiredAgent } } },
      async (request, reply) => {
        const s = deps.requireCustomer(request);
        const r = await core.plant.call(
          'POST',
          `/api/v1/hired-agents/${request.params.hired_agent_id}/${verb}`,
          {
            ...plantAs(request, s),
            body: request.body ?? {},
            answer: ZHiredAgent,
          },
        );
        return relayPlantAnswer(reply, r);
      },
    );
  }

  // ── Proposed trades ─────────────────────────────────────────────────────────────────────────────────────
  app.get(
    '/api/proposals',
    {
      schema: {
        tags: ['proposals'],
        querystring: z.strictObject({ state: ZProposalState.optional() }),
        response: { 200: ZProposalList },
      },
    },
    async (request, reply) => {
      const s = deps.requireCustomer(request);
      const r = await core.plant.call('GET', '/api/v1/proposals', {
        ...plantAs(request, s),
        query: { customer_id: s.customer_id, state: request.query.state },
        answer: ZProposalList,
      });
      return relayPlantAnswer(reply, r);
    },
  );
  app.post(
    '/api/proposals',
    { schema: { tags: ['proposals'], body: ZProposalCreate, response: { 201: ZProposal } } },
    async (request, reply) => {
      const s = deps.requireCustomer(request);
      const body = request.body;
      if (body.run.customer_id !== s.customer_id) {
        throw AppError.validation([
          { path: 'run.customer_id', code: 'not_yours', message: 'a proposal is for your own account' },
        ]);
      }
      const run = await withApprovalPolicyBand(request, s, body.agent_id, body.run);
      const r = await core.plant.call('POST', '/api/v1/proposals', {
        ...plantAs(request, s),
        body: { ...body, run },
        answer: ZProposal,
      });
      return relayPlantAnswer(reply, r);
    },
  );
  app.get(
    '/api/proposals/:proposal_id',
    { schema: { tags: ['proposals'], params: ZProposalParams, response: { 200: ZProposal } } },
    async (request, reply) => {
      const s = deps.requireCustomer(request);
      const r = await core.plant.call('GET', `/api/v1/proposals/${request.params.proposal_id}`, {
        ...plantAs(request, s),
        answer: ZProposal,
      });
      return relayPlantAnswer(reply, r);
    },
  );
  for (const [verb, body] of [
    ['reject', ZProposalReject],
    ['requote', z.strictObject({}).optional()],
  ] as const) {
    app.post(
      `/api/proposals/:proposal_id/${verb}`,
      { schema: { tags: ['proposals'], params: ZProposalParams, body, response: { 200: ZProposal } } },
      async (request, reply) => {
        const s = deps.requireCustomer(request);
        const r = await core.plant.call('POST', `/api/v1/proposals/${request.params.proposal_id}/${verb}`, {
          ...plantAs(request, s),
          body: request.body ?? {},
          answer: ZProposal,
        });
        return relayPlantAnswer(reply, r);
      },
    );
  }

  /**
   * Approve: the step-up must answer a challenge bound to this proposal's plan (its intent hash); CP then mints
   * an approval for exactly that plan — drafted again, refused if it changed (`intent_changed`) or fails a check —
   * with the step-up as its evidence and the customer's approval lifetime, and asks Plant to execute it.
   */
  app.post(
    '/api/proposals/:proposal_id/approve',
    {
      schema: {
        tags: ['proposals'],
        params: ZProposalParams,
        body: ZApprove,
        response: { 200: ZProposalExecuted },
      },
    },
    async (request, reply) => {
      const s = deps.requireCustomer(request);
      const id = request.params.proposal_id;
      const got = await core.plant.call('GET', `/api/v1/proposals/${id}`, {
        ...plantAs(request, s),
        answer: ZProposal,
      });
      if (!got.ok) return relayPlantAnswer(reply, got);
      const proposal = got.body as TProposal;
      if (proposal.state !== 'open') {
        throw AppError.conflict(
          proposal.state === 'expired' ? 'proposal_expired' : 'proposal_not_open',
          proposal.state === 'expired'
            ? 'The proposal expired before it was answered. Re-quote it to answer it.'
            : `The proposal was already ${proposal.state}; the first answer stands.`,
        );
      }
      const plan = proposal.plan as TDraftPlan;
      const evidence = await deps.verifyStepUp(request, s, plan.intent_hash, request.body.step_up);
      const band = plan.intent.price_band;
      const hire = await hireOf(request, s, proposal.agent_id);
      const ttlMinutes = hire?.setup.approval_policy?.ttl_minutes;
      const minted = await mintApproval(core.approvals, {
        agentId: proposal.agent_id,
        run: { ...(proposal.run as TTradeRunRequest), ...(band ? { price_band: band } : {}) },
        principal: principalOf(s),
        approver: { id: s.user_id, kind: 'customer' },
        evidence,
        reviewedIntentHash: plan.intent_hash,
        ...(ttlMinutes ? { ttlSeconds: ttlMinutes * 60 } : {}),
        actor: actorOf(s),
        correlationId: request.correlationId,
      });
      if (!minted.ok) return relayPlantAnswer(reply, minted.refusal);
      const executed = await core.plant.call('POST', `/api/v1/proposals/${id}/execute`, {
        ...plantAs(request, s),
        body: { approval_id: minted.approval.approval_id, ...(band ? { price_band: band } : {}) },
        answer: ZProposalExecuted,
      });
      return relayPlantAnswer(reply, executed);
    },
  );

  // ── Approvals and executions ────────────────────────────────────────────────────────────────────────────
  app.get(
    '/api/approvals',
    {
      schema: {
        tags: ['approvals'],
        querystring: z.strictObject({
          state: z.enum(['pending', 'consumed', 'expired', 'revoked']).optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
        response: { 200: z.object({ items: z.array(ZApprovalView), next_cursor: z.string().nullable() }) },
      },
    },
    async (request) => {
      const s = deps.requireCustomer(request);
      const r = await core.ledger.list({ issuer: 'cp', customer_id: s.customer_id, ...request.query });
      return { items: r.items.map(approvalView), next_cursor: r.next_cursor };
    },
  );
  app.get(
    '/api/approvals/:approval_id',
    { schema: { tags: ['approvals'], params: ZApprovalParams, response: { 200: ZApprovalView } } },
    async (request) => {
      const s = deps.requireCustomer(request);
      const a = await core.ledger.get(request.params.approval_id);
      // Another customer's approval is the same 404 as a missing one.
      if (!a || a.customer_id !== s.customer_id)
        throw AppError.notFound('approval_not_found', 'No such approval.');
      return approvalView(a);
    },
  );
  app.get(
    '/api/executions',
    {
      schema: {
        tags: ['executions'],
        querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(200).optional() }),
        response: { 200: ZExecutionList },
      },
    },
    async (request, reply) => {
      const s = deps.requireCustomer(request);
      const r = await core.plant.call('GET', '/api/v1/executions', {
        ...plantAs(request, s),
        query: { customer_id: s.customer_id, limit: request.query.limit },
        answer: ZExecutionList,
      });
      return relayPlantAnswer(reply, r);
    },
  );

  /**
   * The customer's own story, newest first: what CP recorded (sign-ins, step-ups, approvals minted, keys, streams)
   * and what Plant recorded (decisions, setup, brake, proposals, executions), each with its correlation id.
   */
  app.get(
    '/api/audit',
    {
      schema: {
        tags: ['audit'],
        querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(100) }),
        response: { 200: z.object({ items: z.array(ZStoryItem) }) },
      },
    },
    async (request, reply) => {
      const s = deps.requireCustomer(request);
      const limit = request.query.limit;
      const [own, plant] = await Promise.all([
        core.audit.list(core.credentials.db, { customer_id: s.customer_id, limit }),
        core.plant.call('GET', '/api/v1/audit/story', {
          ...plantAs(request, s),
          query: { customer_id: s.customer_id, limit },
          answer: ZPlantAuditRecordPage,
        }),
      ]);
      if (!plant.ok) return relayPlantAnswer(reply, plant);
      const items = [
        ...own.map((r) => ({
          at: r.created_at.toISOString(),
          source: 'cp' as const,
          what: r.action,
          outcome: r.outcome,
          reason: r.reason,
          correlation_id: r.correlation_id,
          details: r.details,
        })),
        ...plant.body.items.map((r) => ({
          at: r.recorded_at,
          source: 'plant' as const,
          what: r.kind === 'policy_decision' ? `decision.${r.stage ?? ''}.${r.action ?? ''}` : r.kind,
          outcome: r.outcome ?? 'ok',
          reason: r.reason,
          correlation_id: r.correlation_id,
          details: r.details,
        })),
      ]
        .sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0))
        .slice(0, limit);
      return { items };
    },
  );

  /** The customer's hire of an agent (its setup's approval policy), or undefined. */
  async function hireOf(request: FastifyRequest, s: CustomerSession, agentId: string) {
    const r = await core.plant.call('GET', '/api/v1/hired-agents', {
      ...plantAs(request, s),
      query: { customer_id: s.customer_id, agent_id: agentId },
      answer: ZHiredAgentList,
    });
    return r.ok ? r.body.items[0] : undefined;
  }

  /** An entry proposed without a band gets the customer's approval policy's (exits and cancels never do). */
  async function withApprovalPolicyBand(
    request: FastifyRequest,
    s: CustomerSession,
    agentId: string,
    run: TTradeRunRequest,
  ): Promise<TTradeRunRequest> {
    if (run.action !== 'enter' || run.price_band) return run;
    const bps = (await hireOf(request, s, agentId))?.setup.approval_policy?.price_band_bps;
    return bps ? { ...run, price_band: { max_move_bps: bps } } : run;
  }
}
