import {
  type ApprovalLedger,
  type ApprovalRecord,
  isStepUpEvidence,
  type TApprovalEvidence,
  type TApprover,
} from '@delta/approval-ledger';
import {
  INTENT_ACTION_FOR,
  intentSummaryOf,
  type TDraftPlan,
  type TPrincipal,
  type TTradeRunRequest,
  ZRunResponse,
} from '@delta/contracts';
import { AppError, type Db } from '@delta/server-kit';
import type { PortalAudit } from './audit-log.ts';
import { assertCredentialUsable } from './credential-ownership.ts';
import type { PlantClient, PlantResponse } from './plant-client.ts';
import type { Vault } from './vault.ts';

export interface MintDeps {
  db: Db;
  audit: PortalAudit;
  ledger: ApprovalLedger;
  plant: PlantClient;
  vault: Vault;
  /** How long a new approval lives. */
  ttlSeconds: number;
}

export interface MintRequest {
  agentId: string;
  /** The draft the approver saw (no intent_action, no approval_id). */
  run: TTradeRunRequest;
  /** Who the portal asks Plant for the plan as (an ops user in PP, the customer in CP). */
  principal: TPrincipal;
  /** Who approves, and the evidence of it: ops recorded consent (PP); the customer's step-up (CP). */
  approver: TApprover;
  evidence?: TApprovalEvidence;
  /**
   * The intent hash the approver reviewed (CP: the one its step-up was bound to). The plan drafted now must have
   * it, or nothing is minted (`intent_changed`): the trade changed since it was reviewed.
   */
  reviewedIntentHash?: string;
  /** This approval's lifetime (the customer's approval policy); default the portal's. */
  ttlSeconds?: number;
  /** The audit record's actor label and the request's correlation id. */
  actor: string;
  correlationId: string;
}

export type MintResult =
  /** `run`: the execution request this approval is for (the draft, its approval, and the band it binds). */
  | { ok: true; approval: ApprovalRecord; plan: TDraftPlan; run: TTradeRunRequest }
  /** Plant refused the draft: its problem, to be passed on as it is. */
  | { ok: false; refusal: Extract<PlantResponse<unknown>, { ok: false }> };

/**
 * Mints an approval for exactly the plan Plant drafts now — never for a hash the browser sent: the run is drafted
 * again through Plant (its answer parsed with the run contract), a plan that fails a risk check is refused, the
 * exchange account must be one of the customer's active accounts in this portal's vault, and the approval and its
 * audit record are written in one transaction.
 */
export async function mintApproval(deps: MintDeps, req: MintRequest): Promise<MintResult> {
  if (req.run.intent_action || req.run.approval_id) {
    throw AppError.validation([
      {
        path: 'run.intent_action',
        code: 'not_allowed',
        message: 'approve a draft: leave intent_action and approval_id out',
      },
    ]);
  }
  const { correlation_id: _ignored, ...draftBody } = req.run;
  const draft = await deps.plant.call(
    'POST',
    `/api/v1/reference-agents/${encodeURIComponent(req.agentId)}/run`,
    {
      principal: req.principal,
      correlationId: req.correlationId,
      body: draftBody,
      answer: ZRunResponse,
    },
  );
  if (!draft.ok) return { ok: false, refusal: draft };
  const plan = draft.body.plan;
  const audit = {
    correlation_id: req.correlationId,
    actor: req.actor,
    action: 'approval.mint',
    target: plan.hired_agent_id,
    customer_id: plan.customer_id,
  };
  if (req.reviewedIntentHash !== undefined && plan.intent_hash !== req.reviewedIntentHash) {
    await deps.audit.append(deps.db, { ...audit, outcome: 'denied', reason: 'intent_changed' });
    throw AppError.conflict(
      'intent_changed',
      'The trade changed since it was reviewed, so it was not approved. Re-quote it and review it again.',
    );
  }
  if (!plan.approvable) {
    await deps.audit.append(deps.db, { ...audit, outcome: 'denied', reason: 'plan_not_approvable' });
    throw AppError.conflict(
      'plan_not_approvable',
      'This plan fails a risk check and cannot be approved. Change the trade and draft it again.',
      { risk_checks: plan.risk_checks.filter((c) => !c.passed) },
    );
  }
  try {
    await assertCredentialUsable(
      deps.vault,
      plan.exchange_account_id,
      plan.customer_id,
      'run.exchange_account_id',
    );
  } catch (err) {
    await deps.audit.append(deps.db, {
      ...audit,
      outcome: 'denied',
      reason: err instanceof AppError ? 'credential_not_usable' : 'credential_check_failed',
    });
    throw err;
  }
  const approval = await deps.db.transaction(async (tx) => {
    const minted = await deps.ledger.mint(
      {
        issuer: deps.vault.portal,
        customer_id: plan.customer_id,
        hired_agent_id: plan.hired_agent_id,
        agent_id: plan.agent_id,
        credential_ref: plan.exchange_account_id,
        intent_hash: plan.intent_hash,
        intent_summary: intentSummaryOf(plan.intent),
        approver: req.approver,
        ...(req.evidence ? { evidence: req.evidence } : {}),
        ttl_seconds: req.ttlSeconds ?? deps.ttlSeconds,
      },
      { tx },
    );
    await deps.audit.append(tx, {
      ...audit,
      outcome: 'allowed',
      details: {
        approval_id: minted.approval_id,
        intent_hash: plan.intent_hash,
        // How it was given: the step-up's method and nonce (CP), or the consent channel (PP) — never a code.
        ...(isStepUpEvidence(req.evidence)
          ? { step_up_method: req.evidence.method, step_up_nonce_id: req.evidence.nonce_id }
          : req.evidence
            ? { consent_channel: req.evidence.channel }
            : {}),
      },
    });
    return minted;
  });
  return { ok: true, approval, plan, run: executionRequestFor(req.run, plan, approval.approval_id) };
}

/**
 * The execution request for an approved draft: the same fields, the approval, the declared action, and the price
 * band with the reference price the plan bound (the mark it was drafted at), so Plant rebuilds the same intent.
 */
export function executionRequestFor(
  draft: TTradeRunRequest,
  plan: TDraftPlan,
  approvalId: string,
): TTradeRunRequest {
  const { correlation_id: _own, ...fields } = draft;
  const band = plan.intent.price_band;
  return {
    ...fields,
    ...(band ? { price_band: band } : {}),
    intent_action: INTENT_ACTION_FOR[draft.action],
    approval_id: approvalId,
  } as TTradeRunRequest;
}

/** An approval as the portals' APIs show it (dates as ISO strings, time left while pending). */
export function approvalView(a: ApprovalRecord) {
  return {
    ...a,
    intent_summary: a.intent_summary as Record<string, unknown>,
    evidence: (a.evidence as Record<string, unknown> | null) ?? null,
    created_at: a.created_at.toISOString(),
    expires_at: a.expires_at.toISOString(),
    expires_in_s:
      a.state === 'pending' ? Math.max(0, Math.round((a.expires_at.getTime() - Date.now()) / 1000)) : 0,
    consumed_at: a.consumed_at?.toISOString() ?? null,
    revoked_at: a.revoked_at?.toISOString() ?? null,
  };
}

/**
 * Revokes a pending approval (it can never be used afterwards); audited either way. With `customerId`, another
 * customer's approval is not found.
 */
export async function revokeApproval(
  deps: Pick<MintDeps, 'db' | 'audit' | 'ledger'>,
  approvalId: string,
  who: { actor: string; correlationId: string; revokedBy: string },
  scope: { customerId?: string } = {},
): Promise<ApprovalRecord> {
  const r = await deps.ledger.revoke(approvalId, {
    revoked_by: who.revokedBy,
    ...(scope.customerId ? { customer_id: scope.customerId } : {}),
  });
  await deps.audit.append(deps.db, {
    correlation_id: who.correlationId,
    actor: who.actor,
    action: 'approval.revoke',
    target: approvalId,
    customer_id: r.ok ? r.approval.customer_id : (scope.customerId ?? null),
    outcome: r.ok ? 'allowed' : 'denied',
    reason: r.ok ? null : r.reason,
  });
  if (!r.ok) {
    if (r.reason === 'not_found' || r.reason === 'customer_mismatch') {
      throw AppError.notFound('approval_not_found', 'No such approval.');
    }
    throw AppError.conflict(r.reason, `The approval cannot be revoked: ${r.reason.replace(/_/g, ' ')}.`);
  }
  return r.approval;
}
