import { type PositionReader, PositionUnavailableError } from '../integrations/position-reader.ts';
import type { PortalClient } from './portal-client.ts';

/** Asks the portal named by the credential_ref to read the position with the key it keeps. */
export function createPortalPositionReader(portals: PortalClient): PositionReader {
  return {
    async openSize(req) {
      const owner = portals.ownerOf(req.credentialRef);
      if (!owner) throw new PositionUnavailableError('the credential names no portal');
      let answer: Awaited<ReturnType<PortalClient['post']>>;
      try {
        answer = await portals.post(
          owner,
          '/internal/v1/positions',
          { credential_ref: req.credentialRef, customer_id: req.customerId, product_id: req.productId },
          req.correlationId,
        );
      } catch {
        throw new PositionUnavailableError(`${owner} could not be reached`);
      }
      const size = answer.body.size;
      if (answer.status !== 200 || typeof size !== 'number' || !Number.isSafeInteger(size)) {
        const reason =
          typeof answer.body.reason === 'string' ? answer.body.reason : `status ${answer.status}`;
        throw new PositionUnavailableError(reason);
      }
      return size;
    },
  };
}
