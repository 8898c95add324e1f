import {
  PORTAL_INTERNAL_ROUTES,
  ZOrderLookup,
  ZOrderLookupAnswer,
  ZPositionAnswer,
  ZPositionLookup,
} from '@delta/contracts';
import { DeltaError, DeltaNotFoundError, type DeltaReadClient } from '@delta/delta-client';
import { type App, problem } from '@delta/server-kit';
import type { FastifyRequest } from 'fastify';
import type { PortalAuditEntry } from './audit-log.ts';
import { accountClient, accountOrder, CredentialRefused, openCredential } from './exchange-account.ts';
import type { Vault } from './vault.ts';

interface AccountApiDeps {
  vault: Vault;
  paperUrl: string;
  authenticate: (request: FastifyRequest) => Promise<void>;
  append: (entry: PortalAuditEntry) => Promise<void>;
}

/**
 * Plant's reads of a customer's exchange account, made by the portal with the key it keeps: the key never leaves
 * the portal; Plant learns only the answer (what its drafts show and check).
 */
export function registerInternalAccountApi(app: App, deps: AccountApiDeps): void {
  /** Reads the account; audited as `action`, allowed or refused with the reason. */
  async function readAccount<T>(
    request: FastifyRequest,
    b: { credential_ref: string; customer_id: string; product_id: number },
    action: string,
    read: (client: DeltaReadClient, o: { correlationId: string }) => Promise<T>,
  ): Promise<T> {
    const audit = {
      correlation_id: request.correlationId,
      actor: 'service:plant',
      action,
      target: b.credential_ref,
      customer_id: b.customer_id,
    };
    let client: DeltaReadClient;
    try {
      client = accountClient(
        await openCredential(deps.vault, b.credential_ref, b.customer_id),
        deps.paperUrl,
      );
    } catch (err) {
      if (err instanceof CredentialRefused) {
        await deps.append({ ...audit, outcome: 'denied', reason: err.reason });
        throw problem(err.reason, 'No active credential with this reference for this customer.');
      }
      throw err;
    }
    try {
      const answer = await read(client, { correlationId: request.correlationId });
      await deps.append({ ...audit, outcome: 'allowed', details: { product_id: b.product_id } });
      return answer;
    } catch (err) {
      const kind = err instanceof DeltaError ? err.kind : 'exchange_error';
      await deps.append({ ...audit, outcome: 'failed', reason: 'account_unavailable', details: { kind } });
      throw problem('account_unavailable', 'The exchange could not be asked about the account.', {
        extra: { exchange_error_kind: kind },
      });
    }
  }

  /** The open position of one product: what Plant's draft of an exit shows and checks (flat is not approvable). */
  app.post(
    PORTAL_INTERNAL_ROUTES.position,
    {
      schema: { tags: ['internal'], body: ZPositionLookup, response: { 200: ZPositionAnswer } },
      onRequest: deps.authenticate,
    },
    async (request) => {
      const b = request.body;
      return readAccount(request, b, 'credential.position_read', async (client, o) => {
        const position = await client.position(b.product_id, o);
        return { product_id: b.product_id, size: position.size, entry_price: position.entry_price ?? null };
      });
    },
  );

  /** One order of the account by its exchange id: what Plant's draft of a cancel shows and checks. */
  app.post(
    PORTAL_INTERNAL_ROUTES.orderLookup,
    {
      schema: { tags: ['internal'], body: ZOrderLookup, response: { 200: ZOrderLookupAnswer } },
      onRequest: deps.authenticate,
    },
    async (request) => {
      const b = request.body;
      return readAccount(request, b, 'credential.order_read', async (client, o) => {
        try {
          return { order: accountOrder(await client.getOrder(Number(b.order_id), o)) };
        } catch (err) {
          if (err instanceof DeltaNotFoundError) return { order: null };
          throw err;
        }
      });
    },
  );
}
