import type { TConsumeRefusalReason, TCredentialBundleAnswer, TDraftPlan } from '@delta/contracts';

/** What Plant asks the portal that minted an approval: consume it for exactly this intent. */
export interface ApprovalConsumeRequest {
  approvalId: string;
  intentHash: string;
  customerId: string;
  hiredAgentId: string;
  /** The exchange account (vault credential_ref) the plan trades on; the approval is bound to it. */
  credentialRef: string;
  correlationId: string;
  /** The execution this consumption is for, and its plan: announced before the portal is asked. */
  executionId?: string | undefined;
  plan?: TDraftPlan;
}

/**
 * Why an approval was not consumed: the ledger's own reason, or Plant's when no ledger could answer for it
 * (`approval_verification_unavailable`: unreachable, no portal, an answer that does not parse;
 * `execution_not_announced`: the execution could not be announced first, so the portal was not asked).
 */
export type ApprovalRefusalReason =
  | TConsumeRefusalReason
  | 'approval_verification_unavailable'
  | 'execution_not_announced';

export type ApprovalVerdict =
  | {
      ok: true;
      approvalId: string;
      intentHash: string;
      consumedAt: string;
      /**
       * The credential bundle the portal issued with the consumption, sealed (encrypted to Plant's key): the
       * executor of this request opens it. Absent when the portal could not open the key; the executor then asks
       * the portal's bundle endpoint, which says why.
       */
      bundle?: TCredentialBundleAnswer;
    }
  | { ok: false; reason: ApprovalRefusalReason };

/**
 * Port to the approval ledger. `consume` must verify the approval against the intent hash and mark it used
 * atomically; a verdict of ok means "verified and consumed, never again".
 */
export interface ApprovalVerifier {
  consume(request: ApprovalConsumeRequest): Promise<ApprovalVerdict>;
}

/**
 * The default when no ledger is wired: every approval is refused. An approval id is never trusted because it
 * is present — only a ledger that has verified and consumed it can allow a trade.
 */
export const failClosedApprovalVerifier: ApprovalVerifier = {
  async consume() {
    return { ok: false, reason: 'approval_verification_unavailable' };
  },
};
