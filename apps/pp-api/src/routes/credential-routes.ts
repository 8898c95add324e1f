import { ZCredentialRef, ZCredentialView, ZCustomerId } from '@delta/contracts';
import {
  type CredentialDeps,
  listCredentials,
  revokeCredential,
  rotateCredential,
  storeCredential,
  ZCredentialCreate,
  ZCredentialRotate,
} from '@delta/portal';
import { type App, AppError } from '@delta/server-kit';
import { z } from 'zod';
import { actorOf, requireUser } from '../auth/session-plugin.ts';

const ZCustomerParams = z.strictObject({ customer_id: ZCustomerId });
const ZRefParams = z.strictObject({ credential_ref: ZCredentialRef });

/**
 * Ops keep a customer's exchange keys (TR-PP-1.1): store, rotate, revoke — the portal core's operations, each
 * checked against the exchange and audited there. Here: who may (viewer reads, operator writes) and that the
 * customer exists in Plant.
 */
export function registerCredentialRoutes(
  app: App,
  deps: {
    credentials: CredentialDeps;
    customerExists: (
      id: string,
      correlationId: string,
      request: Parameters<typeof requireUser>[0],
    ) => Promise<boolean>;
  },
): void {
  app.get(
    '/api/customers/:customer_id/credentials',
    {
      schema: {
        tags: ['credentials'],
        params: ZCustomerParams,
        response: { 200: z.object({ items: z.array(ZCredentialView) }) },
      },
    },
    async (request) => {
      requireUser(request);
      return { items: await listCredentials(deps.credentials, request.params.customer_id) };
    },
  );

  app.post(
    '/api/customers/:customer_id/credentials',
    {
      schema: {
        tags: ['credentials'],
        params: ZCustomerParams,
        body: ZCredentialCreate,
        response: { 201: ZCredentialView },
      },
    },
    async (request, reply) => {
      const user = requireUser(request, 'operator');
      const { customer_id } = request.params;
      if (!(await deps.customerExists(customer_id, request.correlationId, request))) {
        throw AppError.notFound('customer_not_found', 'No such customer.');
      }
      const who = { actor: actorOf(user), correlationId: request.correlationId };
      return reply.code(201).send(await storeCredential(deps.credentials, customer_id, request.body, who));
    },
  );

  app.post(
    '/api/credentials/:credential_ref/rotate',
    {
      schema: {
        tags: ['credentials'],
        params: ZRefParams,
        body: ZCredentialRotate,
        response: { 200: ZCredentialView },
      },
    },
    async (request) => {
      const user = requireUser(request, 'operator');
      const who = { actor: actorOf(user), correlationId: request.correlationId };
      return rotateCredential(deps.credentials, request.params.credential_ref, request.body, who);
    },
  );

  app.post(
    '/api/credentials/:credential_ref/revoke',
    { schema: { tags: ['credentials'], params: ZRefParams, response: { 200: ZCredentialView } } },
    async (request) => {
      const user = requireUser(request, 'operator');
      const who = { actor: actorOf(user), correlationId: request.correlationId };
      return revokeCredential(deps.credentials, request.params.credential_ref, who);
    },
  );
}
