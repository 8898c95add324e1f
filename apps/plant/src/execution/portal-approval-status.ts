import { PORTAL_INTERNAL_ROUTES, type TApprovalStatusAnswer, ZApprovalStatusAnswer } from '@delta/contracts';
import type { PortalClient } from './portal-client.ts';

export type ApprovalStatus = TApprovalStatusAnswer | 'not_found' | 'unavailable';

/** What the portal that minted an approval says became of it; 'unavailable' when it cannot be asked now. */
export type ApprovalStatusReader = (req: {
  approvalId: string;
  customerId: string;
  credentialRef: string;
  correlationId: string;
}) => Promise<ApprovalStatus>;

export function createPortalApprovalStatus(portals: PortalClient): ApprovalStatusReader {
  return async (req) => {
    const owner = portals.ownerOf(req.credentialRef);
    if (!owner) return 'not_found';
    let answer: Awaited<ReturnType<PortalClient['post']>>;
    try {
      answer = await portals.post(
        owner,
        PORTAL_INTERNAL_ROUTES.approvalStatus,
        { approval_id: req.approvalId, customer_id: req.customerId },
        req.correlationId,
      );
    } catch {
      return 'unavailable';
    }
    if (answer.status === 404) return 'not_found';
    const parsed = ZApprovalStatusAnswer.safeParse(answer.body);
    return answer.status === 200 && parsed.success ? parsed.data : 'unavailable';
  };
}
