import { createHash } from 'node:crypto';
import {
  type TDraftPlan,
  type THiredAgent,
  type TProposal,
  type TTradeRunRequest,
  ZHiredAgent,
  ZHiredAgentId,
  ZProposal,
  ZProposalExecuted,
  ZProposalId,
} from '@delta/contracts';
import { DeltaError } from '@delta/delta-client';
import { accountClient, CredentialRefused, mintApproval, openCredential } from '@delta/portal';
import { type App, AppError, problem } from '@delta/server-kit';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { actorOf, type CpTradingDeps, type CustomerSession, plantAs, principalOf } from './trading-routes.ts';

const ZHiredParams = z.strictObject({ hired_agent_id: ZHiredAgentId });
const ZFlattenQuote = z.object({
  /** One proposal per order to cancel and per position to close; cancels first. */
  proposals: z.array(ZProposal),
  /** What the one step-up is bound to: every proposal's intent hash (see flattenHash). */
  flatten_hash: z.string(),
});
const ZFlatten = z.strictObject({
  proposal_ids: z.array(ZProposalId).min(1).max(100),
  step_up: z.record(z.string(), z.unknown()),
});
const ZFlattenResult = z.object({
  results: z.array(
    z.object({
      proposal_id: z.string(),
      status: z.number().int(),
      outcome: z.union([ZProposalExecuted, z.record(z.string(), z.unknown())]),
    }),
  ),
});

/** The hash one step-up approves a flatten with: versioned, over the proposals' intent hashes in their order. */
export function flattenHash(intentHashes: readonly string[]): string {
  return createHash('sha256')
    .update(`flatten/1\n${intentHashes.join('\n')}`)
    .digest('hex');
}

/**
 * Flatten: cancel every open order and close every position of the agent's account, approved with ONE step-up
 * that covers each resulting order — each still its own proposal, approval (with that step-up as evidence) and
 * execution. Quote first (the proposals and the hash to confirm), then flatten with the step-up for that hash.
 */
export function registerFlattenRoutes(app: App, deps: CpTradingDeps): void {
  const { core } = deps;

  async function ownHire(request: FastifyRequest, s: CustomerSession, id: string): Promise<THiredAgent> {
    const r = await core.plant.call('GET', `/api/v1/hired-agents/${id}`, {
      ...plantAs(request, s),
      answer: ZHiredAgent,
    });
    if (!r.ok) throw AppError.notFound('hired_agent_not_found', `No hired agent ${id}.`);
    return r.body;
  }

  /** The runs that take the account flat: a cancel per open order, then an exit per position. */
  async function flatteningRuns(request: FastifyRequest, s: CustomerSession, hire: THiredAgent) {
    const ref = hire.setup.credential_ref;
    let opened: Awaited<ReturnType<typeof openCredential>>;
    try {
      opened = await openCredential(core.vault, ref, s.customer_id);
    } catch (err) {
      if (err instanceof CredentialRefused)
        throw AppError.conflict(err.reason, 'The agent’s exchange key cannot be used.');
      throw err;
    }
    const client = accountClient(opened, core.credentials.paperUrl);
    const o = { correlationId: request.correlationId };
    try {
      const [products, positions, orders] = await Promise.all([
        client.products({ contract_types: ['perpetual_futures'] }, o),
        client.marginedPositions(o),
        client.openOrders({}, o),
      ]);
      const coinOf = new Map(products.map((p) => [p.id, p.underlying_asset?.symbol]));
      const base = { customer_id: s.customer_id, exchange_account_id: ref };
      const runs: TTradeRunRequest[] = [];
      for (const order of orders) {
        const coin = coinOf.get(order.product_id);
        if (coin) runs.push({ ...base, coin, action: 'cancel', order_id: String(order.id) });
      }
      for (const p of positions) {
        const coin = coinOf.get(p.product_id);
        if (!coin || Number(p.size) === 0) continue;
        runs.push({
          ...base,
          coin,
          action: 'exit',
          side: Number(p.size) > 0 ? 'long' : 'short',
          units: Math.abs(Number(p.size)),
          market: true,
        });
      }
      return runs;
    } catch (err) {
      if (err instanceof DeltaError) {
        throw problem('exchange_unavailable', 'The exchange account could not be read; try again.');
      }
      throw err;
    }
  }

  app.post(
    '/api/agents/:hired_agent_id/flatten/quote',
    {
      schema: {
        tags: ['agent'],
        summary: 'Quote a flatten: a proposal per open order (cancel) and per position (close)',
        params: ZHiredParams,
        response: { 200: ZFlattenQuote },
      },
    },
    async (request) => {
      const s = deps.requireCustomer(request);
      const hire = await ownHire(request, s, request.params.hired_agent_id);
      const proposals: TProposal[] = [];
      for (const run of await flatteningRuns(request, s, hire)) {
        const r = await core.plant.call('POST', '/api/v1/proposals', {
          ...plantAs(request, s),
          body: { agent_id: hire.agent_id, run, note: 'flatten' },
          answer: ZProposal,
        });
        if (!r.ok)
          throw AppError.conflict(
            'flatten_not_possible',
            `A step of the flatten could not be proposed: ${r.body.detail ?? r.body.reason}`,
          );
        proposals.push(r.body);
      }
      return { proposals, flatten_hash: flattenHash(proposals.map((p) => p.plan.intent_hash)) };
    },
  );

  app.post(
    '/api/agents/:hired_agent_id/flatten',
    {
      schema: {
        tags: ['agent'],
        summary: 'Flatten with one step-up: approve and execute each quoted proposal (cancels first)',
        params: ZHiredParams,
        body: ZFlatten,
        response: { 200: ZFlattenResult },
      },
    },
    async (request) => {
      const s = deps.requireCustomer(request);
      const hire = await ownHire(request, s, request.params.hired_agent_id);
      const proposals: TProposal[] = [];
      for (const id of request.body.proposal_ids) {
        const r = await core.plant.call('GET', `/api/v1/proposals/${id}`, {
          ...plantAs(request, s),
          answer: ZProposal,
        });
        if (!r.ok || r.body.hired_agent_id !== hire.hired_agent_id) {
          throw AppError.notFound('proposal_not_found', `No proposal ${id} of this agent.`);
        }
        // Only steps that reduce risk can be flattened under one confirmation.
        const action = (r.body.plan as TDraftPlan).intent.action;
        if (action === 'enter') {
          throw AppError.validation([
            {
              path: 'proposal_ids',
              code: 'not_reducing',
              message: `proposal ${id} enters a trade: approve it on its own`,
            },
          ]);
        }
        proposals.push(r.body);
      }
      const hash = flattenHash(proposals.map((p) => p.plan.intent_hash));
      const evidence = await deps.verifyStepUp(request, s, hash, request.body.step_up);
      const results = [];
      for (const p of proposals) {
        const plan = p.plan as TDraftPlan;
        const minted = await mintApproval(core.approvals, {
          agentId: p.agent_id,
          run: p.run as TTradeRunRequest,
          principal: principalOf(s),
          approver: { id: s.user_id, kind: 'customer' },
          evidence,
          reviewedIntentHash: plan.intent_hash,
          actor: actorOf(s),
          correlationId: request.correlationId,
        }).catch((err: unknown) => {
          if (err instanceof AppError) return { ok: false as const, error: err };
          throw err;
        });
        if (!minted.ok) {
          const problem =
            'error' in minted
              ? { reason: minted.error.reason, detail: minted.error.message, status: minted.error.status }
              : minted.refusal.body;
          results.push({
            proposal_id: p.proposal_id,
            status: 'error' in minted ? minted.error.status : minted.refusal.status,
            outcome: problem,
          });
          continue;
        }
        const executed = await core.plant.call('POST', `/api/v1/proposals/${p.proposal_id}/execute`, {
          ...plantAs(request, s),
          body: { approval_id: minted.approval.approval_id },
          answer: ZProposalExecuted,
        });
        results.push({
          proposal_id: p.proposal_id,
          status: executed.status,
          outcome: executed.body as Record<string, unknown>,
        });
      }
      await core.audit.append(core.credentials.db, {
        correlation_id: request.correlationId,
        actor: actorOf(s),
        action: 'agent.flatten',
        target: hire.hired_agent_id,
        customer_id: s.customer_id,
        outcome: 'allowed',
        details: {
          flatten_hash: hash,
          steps: results.map((r) => ({ proposal_id: r.proposal_id, status: r.status })),
        },
      });
      return { results };
    },
  );
}
