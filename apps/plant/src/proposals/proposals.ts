import {
  INTENT_ACTION_FOR,
  type TDraftPlan,
  type TProposal,
  type TProposalCreate,
  type TProposalExecute,
  type TRunExecution,
  type TRunResponse,
  type TTradeRunRequest,
  ZTradeRunRequest,
} from '@delta/contracts';
import type { Db } from '@delta/server-kit';
import { appendAudit } from '../audit/audit-log.ts';
import { findHiredAgent } from '../db/hired-agents-repository.ts';
import { clientOrderIdFor } from '../execution/client-order-id.ts';
import { resultOf } from '../execution/exchange-outcomes.ts';
import { findExecutionByApproval } from '../execution/executions-repository.ts';
import { invalidFields, problem, refusalProblem } from '../problems.ts';
import { type RunDeps, runTradingAgent } from '../skills/trading/run-trading-agent.ts';
import { executionView } from '../skills/trading/tool-use.ts';
import {
  findProposal,
  insertProposal,
  markProposalApproved,
  type ProposalRow,
  rejectProposal,
  requoteProposal,
} from './proposals-repository.ts';

export interface ProposalDeps {
  db: Db;
  run: RunDeps;
  newId: () => string;
  now: () => Date;
}

/** Who acts: the label kept on the record, and where a new proposal comes from. */
export interface ProposalActor {
  label: string;
  source: TProposal['source'];
}

const DEFAULT_TTL_S = 15 * 60;

export function toProposal(row: ProposalRow): TProposal {
  return {
    proposal_id: row.proposal_id,
    customer_id: row.customer_id,
    hired_agent_id: row.hired_agent_id,
    agent_id: row.agent_id,
    source: row.source,
    state: row.state,
    run: row.run,
    plan: row.plan as TDraftPlan,
    note: row.note,
    created_by: row.created_by,
    created_at: row.created_at.toISOString(),
    quoted_at: row.quoted_at.toISOString(),
    expires_at: row.expires_at.toISOString(),
    decided_at: row.decided_at?.toISOString() ?? null,
    decided_by: row.decided_by,
    reject_reason: row.reject_reason,
    approval_id: row.approval_id,
    execution: (row.execution as TRunExecution | null) ?? null,
  };
}

async function audit(
  deps: ProposalDeps,
  kind: string,
  row: ProposalRow,
  correlationId: string,
  details = {},
) {
  await appendAudit(deps.db, {
    record_id: deps.newId(),
    kind,
    correlation_id: correlationId,
    customer_id: row.customer_id,
    agent_id: row.agent_id,
    hired_agent_id: row.hired_agent_id,
    outcome: 'ok',
    details: { proposal_id: row.proposal_id, ...details },
    recorded_at: deps.now(),
  });
}

/** Drafts the run through the trading agent (the same plan an approval binds), or refuses as the run would. */
async function draft(deps: ProposalDeps, agentId: string, run: TTradeRunRequest, correlationId: string) {
  const outcome = await runTradingAgent(deps.run, { agentId, request: run, correlationId });
  if (!outcome.ok) throw refusalProblem(outcome.refusal);
  return outcome.response.plan;
}

/**
 * A new proposal: the draft is planned now (its plan is what the approver reviews). A paused agent takes no new
 * entry, so no proposal of one either; exits and cancels can still be proposed.
 */
export async function createProposal(
  deps: ProposalDeps,
  body: TProposalCreate,
  actor: ProposalActor,
  correlationId: string,
): Promise<TProposal> {
  const { intent_action, approval_id, correlation_id: _own, ...run } = body.run;
  if (intent_action !== undefined || approval_id !== undefined) {
    throw invalidFields([
      {
        path: 'run.intent_action',
        code: 'not_allowed',
        message: 'propose a draft: leave intent_action and approval_id out',
      },
    ]);
  }
  const hired = await findHiredAgent(deps.db, run.customer_id, body.agent_id);
  if (hired?.paused_at && run.action === 'enter') {
    throw problem(
      'agent_paused',
      `The agent is paused (${hired.paused_reason ?? 'no reason given'}): no new entries.`,
    );
  }
  const plan = await draft(deps, body.agent_id, run as TTradeRunRequest, correlationId);
  const row = await insertProposal(deps.db, {
    proposalId: deps.newId(),
    customerId: plan.customer_id,
    hiredAgentId: plan.hired_agent_id,
    agentId: plan.agent_id,
    source: actor.source,
    run,
    plan,
    note: body.note ?? null,
    createdBy: actor.label,
    ttlS: body.expires_in_s ?? DEFAULT_TTL_S,
  });
  await audit(deps, 'proposal.created', row, correlationId, {
    source: actor.source,
    actor: actor.label,
    intent_hash: plan.intent_hash,
    approvable: plan.approvable,
  });
  return toProposal(row);
}

/** The proposal, or 404 `proposal_not_found`. */
export async function getProposal(deps: Pick<ProposalDeps, 'db'>, id: string): Promise<ProposalRow> {
  const row = await findProposal(deps.db, id);
  if (!row) throw problem('proposal_not_found', `No proposal ${id}.`);
  return row;
}

function notOpen(row: ProposalRow) {
  return row.state === 'expired'
    ? problem('proposal_expired', 'The proposal expired before it was answered. Re-quote it to answer it.')
    : problem('proposal_not_open', `The proposal was already ${row.state}; the first answer stands.`, {
        extra: { state: row.state },
      });
}

/** A fresh plan at the current price (and a renewed expiry): after `price_moved`, or when it expired unanswered. */
export async function requote(deps: ProposalDeps, row: ProposalRow, correlationId: string, actor: string) {
  if (row.state !== 'open' && row.state !== 'expired') throw notOpen(row);
  const plan = await draft(deps, row.agent_id, row.run as TTradeRunRequest, correlationId);
  const updated = await requoteProposal(deps.db, row.proposal_id, plan);
  if (!updated) throw notOpen((await findProposal(deps.db, row.proposal_id)) ?? row);
  await audit(deps, 'proposal.requoted', updated, correlationId, { actor, intent_hash: plan.intent_hash });
  return toProposal(updated);
}

export async function reject(
  deps: ProposalDeps,
  row: ProposalRow,
  reason: string,
  correlationId: string,
  actor: string,
) {
  const updated = await rejectProposal(deps.db, row.proposal_id, { by: actor, reason });
  if (!updated) throw notOpen((await findProposal(deps.db, row.proposal_id)) ?? row);
  await audit(deps, 'proposal.rejected', updated, correlationId, { actor, reason });
  return toProposal(updated);
}

/**
 * Approve: executes the proposal's draft with the approval the portal minted for its plan (and the band that
 * approval binds). The trading agent decides everything about the trade — the hash, the band, the risk, the one
 * order; this records the answer on the proposal: once an approval is used (whatever the execution came to) the
 * proposal is approved with it; refused before that (`price_moved`, a risk check), it stays open.
 */
export async function executeProposal(
  deps: ProposalDeps,
  row: ProposalRow,
  body: TProposalExecute,
  correlationId: string,
  actor: string,
): Promise<{ proposal: TProposal; run: TRunResponse }> {
  const replay = row.state === 'approved' && row.approval_id === body.approval_id;
  if (row.state !== 'open' && !replay) throw notOpen(row);
  const plan = row.plan as TDraftPlan;
  const request = ZTradeRunRequest.parse({
    ...row.run,
    ...(body.price_band ? { price_band: body.price_band } : {}),
    intent_action: INTENT_ACTION_FOR[plan.intent.action],
    approval_id: body.approval_id,
  });
  const outcome = await runTradingAgent(deps.run, { agentId: row.agent_id, request, correlationId });
  if (!outcome.ok) {
    // Used, but refused after (a risk re-check, the exchange): the proposal was answered with that approval.
    const executed = await findExecutionByApproval(deps.db, body.approval_id);
    if (executed && executed.customer_id === row.customer_id) {
      const view = executionView(body.approval_id, clientOrderIdFor(body.approval_id), resultOf(executed));
      const updated = await markProposalApproved(deps.db, row.proposal_id, {
        by: actor,
        approvalId: body.approval_id,
        execution: view,
      });
      if (updated && !replay)
        await audit(deps, 'proposal.approved', updated, correlationId, {
          actor,
          approval_id: body.approval_id,
          execution_state: view.state,
        });
    }
    throw refusalProblem(outcome.refusal);
  }
  const execution = outcome.response.execution;
  const updated = await markProposalApproved(deps.db, row.proposal_id, {
    by: actor,
    approvalId: body.approval_id,
    execution,
  });
  if (!updated) throw notOpen((await findProposal(deps.db, row.proposal_id)) ?? row);
  if (!replay) {
    await audit(deps, 'proposal.approved', updated, correlationId, {
      actor,
      approval_id: body.approval_id,
      execution_state: execution?.state ?? null,
    });
  }
  return { proposal: toProposal(updated), run: outcome.response };
}
