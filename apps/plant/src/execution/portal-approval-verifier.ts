import { ZConsumeAnswer, ZConsumeRefusal } from '@delta/contracts';
import type { ApprovalVerifier } from '../integrations/approval-verifier.ts';
import type { PortalClient } from './portal-client.ts';

/**
 * Verifies and consumes an approval with the portal that minted it (the one holding the credential). Anything
 * but an answer that parses as "consumed" (ZConsumeAnswer) from that portal is a denial: unreachable portal, an
 * answer of another shape, unknown owner. A 403 carries the ledger's reason (ZConsumeRefusal).
 * With `withBundle`, the portal is asked to issue the credential bundle in the same call, and the bundle it returns
 * (for the approval it consumed) comes back in the verdict, sealed, for the executor of this request.
 */
export function createPortalApprovalVerifier(
  portals: PortalClient,
  options: { withBundle?: boolean } = {},
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
            ...(options.withBundle ? { with_bundle: true } : {}),
          },
          req.correlationId,
        );
      } catch {
        return { ok: false, reason: 'approval_verification_unavailable' };
      }
      if (answer.status === 200) {
        const consumed = ZConsumeAnswer.safeParse(answer.body);
        // Fail closed: a "consumed" that does not parse is no consumption Plant can act on (the announcement of
        // the execution stays for the reconciler, which asks the portal what happened).
        if (!consumed.success) return { ok: false, reason: 'approval_verification_unavailable' };
        const c = consumed.data;
        const bundle =
          options.withBundle && c.credential_bundle && c.environment && c.expires_at
            ? { credential_bundle: c.credential_bundle, environment: c.environment, expires_at: c.expires_at }
            : undefined;
        return {
          ok: true,
          approvalId: c.approval_id,
          intentHash: c.intent_hash,
          consumedAt: c.consumed_at ?? '',
          ...(bundle ? { bundle } : {}),
        };
      }
      const refusal = answer.status === 403 ? ZConsumeRefusal.safeParse(answer.body) : undefined;
      if (refusal?.success) return { ok: false, reason: refusal.data.reason };
      return { ok: false, reason: 'approval_verification_unavailable' };
    },
  };
}
