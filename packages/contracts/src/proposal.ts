import { z } from 'zod';
import { ZAgentId, ZApprovalId, ZCustomerId, ZUuidId } from './ids.ts';
import { ZPriceBand } from './trade-intent.ts';
import { ZDraftPlan, ZRunExecution, ZRunResponse, ZTradeRunRequest } from './trade-run.ts';

/**
 * A proposed trade: a draft waiting in the customer's inbox for a yes or a no. Drafted by the customer, by ops for
 * the customer, or by the agent's strategy; its plan is the one the approver reviews (re-quoted on request), and
 * approving it executes exactly that plan with the approval the portal minted for it.
 */
export const ZProposalId = ZUuidId;
export const PROPOSAL_SOURCES = ['customer', 'ops', 'strategy'] as const;
/** `expired`: still open when its time ran out (derived from the database clock, never stored). */
export const PROPOSAL_STATES = ['open', 'approved', 'rejected', 'expired'] as const;
export const ZProposalState = z.enum(PROPOSAL_STATES);

export const ZProposalCreate = z.strictObject({
  agent_id: ZAgentId,
  /** The draft: a run request without intent_action or approval_id. */
  run: ZTradeRunRequest,
  /** How long the proposal waits for an answer (default 15 minutes). */
  expires_in_s: z.number().int().min(60, 'at least 60 seconds').max(86_400, 'at most a day').optional(),
  note: z.string().trim().max(200, 'at most 200 characters').optional(),
});
export type TProposalCreate = z.infer<typeof ZProposalCreate>;

export const ZProposal = z.object({
  proposal_id: ZProposalId,
  customer_id: ZCustomerId,
  hired_agent_id: z.string(),
  agent_id: ZAgentId,
  source: z.enum(PROPOSAL_SOURCES),
  state: ZProposalState,
  /** The draft it proposes (repeated, with the approval, to execute it). */
  run: z.record(z.string(), z.unknown()),
  /** The plan as last quoted: what the approver reviews. */
  plan: ZDraftPlan,
  note: z.string().nullable(),
  created_by: z.string(),
  created_at: z.string(),
  quoted_at: z.string(),
  expires_at: z.string(),
  decided_at: z.string().nullable(),
  decided_by: z.string().nullable(),
  reject_reason: z.string().nullable(),
  approval_id: z.string().nullable(),
  execution: ZRunExecution.nullable(),
});
export type TProposal = z.infer<typeof ZProposal>;

export const ZProposalList = z.object({ items: z.array(ZProposal) });

export const ZProposalQuery = z.strictObject({
  customer_id: ZCustomerId.optional(),
  state: ZProposalState.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/** Approve = execute with the approval minted for this proposal's plan (and the band it binds, if any). */
export const ZProposalExecute = z.strictObject({
  approval_id: ZApprovalId,
  price_band: ZPriceBand.optional(),
});
export type TProposalExecute = z.infer<typeof ZProposalExecute>;

export const ZProposalReject = z.strictObject({
  reason: z.string().trim().min(1, 'say why the trade is rejected').max(200, 'at most 200 characters'),
});

export const ZProposalExecuted = z.object({ proposal: ZProposal, run: ZRunResponse });
