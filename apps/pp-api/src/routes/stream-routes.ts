import { ZCredentialRef } from '@delta/contracts';
import { type AccountStreams, serveAccountStream, type Vault } from '@delta/portal';
import type { App, Db } from '@delta/server-kit';
import { z } from 'zod';
import { actorOf, requireUser, SESSION_COOKIE } from '../auth/session-plugin.ts';
import { findSessionUser } from '../auth/users-repository.ts';
import { ppAudit } from '../pp-audit.ts';

export { SSE_RETRY_MS, sseFrame } from '@delta/portal';

/** The Positions page's live account (the portal core's SSE stream), for any signed-in ops user. */
export function registerStreamRoutes(
  app: App,
  deps: { db: Db; vault: Vault; streams: AccountStreams; sessionCheckMs: number },
) {
  app.get(
    '/api/credentials/:credential_ref/stream',
    {
      schema: {
        tags: ['positions'],
        summary:
          'The live account (Server-Sent Events): a snapshot, then position/order/fill/margins/mark deltas',
        params: z.strictObject({ credential_ref: ZCredentialRef }),
        // Nothing is taken from the query: an unknown parameter is a 422, as everywhere.
        querystring: z.strictObject({}),
      },
    },
    async (request, reply) => {
      const user = requireUser(request);
      const ref = request.params.credential_ref;
      const token = request.cookies[SESSION_COOKIE] ?? '';
      await serveAccountStream(request, reply, {
        streams: deps.streams,
        vault: deps.vault,
        credentialRef: ref,
        audit: (entry) =>
          ppAudit.append(deps.db, {
            correlation_id: request.correlationId,
            actor: actorOf(user),
            target: ref,
            ...entry,
          }),
        stillSignedIn: async () => Boolean(await findSessionUser(deps.db, token)),
        sessionCheckMs: deps.sessionCheckMs,
      });
    },
  );
}
