import type { ApprovalConsumeRequest, ApprovalVerifier } from '../integrations/approval-verifier.ts';
import type { PortalClient } from './portal-client.ts';
import type { BundleAnswer } from './prefetched-bundles.ts';

/**
 * Verifies and consumes an approval with the portal that minted it (the one holding the credential). Anything
 * but an explicit "consumed" from that portal is a denial: unreachable portal, odd answer, unknown owner.
 * With `onBundle`, the portal is asked to issue the credential bundle in the same call, and the bundle it returns
 * (for the approval it consumed) is handed over for the executor of this request (see prefetched-bundles.ts).
 */
export function createPortalApprovalVerifier(
  portals: PortalClient,
  onBundle?: (req: ApprovalConsumeRequest, approvalId: string, answer: BundleAnswer) => void,
): ApprovalVerifier {
  return {
    async consume(req) {
      const owner = portals.ownerOf(req.credentialRef);
      if (!owner) return { ok: false, reason: 'credential_mismatch' };
      let answer: Awaited<ReturnType<PortalClient['post']>>;
      try {
        answer = await portals.post(
          owner,
          '/internal/v1/approvals/consume',
          {
            approval_id: req.approvalId,
            intent_hash: req.intentHash,
            customer_id: req.customerId,
            credential_ref: req.credentialRef,
            ...(onBundle ? { with_bundle: true } : {}),
          },
          req.correlationId,
        );
      } catch {
        return { ok: false, reason: 'approval_verification_unavailable' };
      }
      const b = answer.body;
      if (
        answer.status === 200 &&
        b.consumed === true &&
        typeof b.approval_id === 'string' &&
        typeof b.intent_hash === 'string'
      ) {
        if (
          onBundle &&
          typeof b.credential_bundle === 'string' &&
          typeof b.environment === 'string' &&
          typeof b.expires_at === 'string'
        ) {
          onBundle(req, b.approval_id, {
            credential_bundle: b.credential_bundle,
            environment: b.environment,
            expires_at: b.expires_at,
          });
        }
        return {
          ok: true,
          approvalId: b.approval_id,
          intentHash: b.intent_hash,
          consumedAt: String(b.consumed_at ?? ''),
        };
      }
      if (answer.status === 403 && typeof b.reason === 'string') return { ok: false, reason: b.reason };
      return { ok: false, reason: 'approval_verification_unavailable' };
    },
  };
}
