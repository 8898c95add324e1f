import { PORTAL_INTERNAL_ROUTES, ZOrderLookupAnswer, ZPositionAnswer } from '@delta/contracts';
import type { z } from 'zod';
import { type AccountReader, AccountUnavailableError } from '../integrations/account-reader.ts';
import type { PortalClient } from './portal-client.ts';

/** Asks the portal named by the credential_ref to read the account with the key it keeps. */
export function createPortalAccountReader(portals: PortalClient): AccountReader {
  async function ask<S extends z.ZodType>(
    credentialRef: string,
    path: string,
    body: Record<string, unknown>,
    correlationId: string,
    schema: S,
  ): Promise<z.infer<S>> {
    const owner = portals.ownerOf(credentialRef);
    if (!owner) throw new AccountUnavailableError('the credential names no portal');
    let answer: Awaited<ReturnType<PortalClient['post']>>;
    try {
      answer = await portals.post(owner, path, body, correlationId);
    } catch {
      throw new AccountUnavailableError(`${owner} could not be reached`);
    }
    if (answer.status !== 200) {
      const reason = typeof answer.body.reason === 'string' ? answer.body.reason : `status ${answer.status}`;
      throw new AccountUnavailableError(reason);
    }
    const parsed = schema.safeParse(answer.body);
    if (!parsed.success) throw new AccountUnavailableError(`${owner} answered an unexpected shape`);
    return parsed.data;
  }

  return {
    async openSize(req) {
      const body = {
        credential_ref: req.credentialRef,
        customer_id: req.customerId,
        product_id: req.productId,
      };
      const answer = await ask(
        req.credentialRef,
        PORTAL_INTERNAL_ROUTES.position,
        body,
        req.correlationId,
        ZPositionAnswer,
      );
      return answer.size;
    },
    async order(req) {
      const body = {
        credential_ref: req.credentialRef,
        customer_id: req.customerId,
        product_id: req.productId,
        order_id: req.orderId,
      };
      const answer = await ask(
        req.credentialRef,
        PORTAL_INTERNAL_ROUTES.orderLookup,
        body,
        req.correlationId,
        ZOrderLookupAnswer,
      );
      return answer.order;
    },
  };
}
