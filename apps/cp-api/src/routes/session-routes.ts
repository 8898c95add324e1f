import { ZCpSession, ZCustomerMe, ZUuidId } from '@delta/contracts';
import type { App } from '@delta/server-kit';
import { z } from 'zod';
import { type CpAuthDeps, recordAllowed, refused } from '../auth/context.ts';
import {
  clearSessionCookie,
  listSessions,
  requireCustomer,
  revokeAllSessions,
  revokeSession,
} from '../auth/sessions.ts';
import { meOf } from './me.ts';

/** The account page: who is signed in, the live sessions, signing one out, signing out everywhere. */
export function registerSessionRoutes(app: App, deps: CpAuthDeps) {
  const { db } = deps;

  app.get('/api/auth/me', { schema: { tags: ['auth'], response: { 200: ZCustomerMe } } }, async (request) => {
    const s = requireCustomer(request);
    return meOf(db, s, s);
  });

  app.get(
    '/api/auth/sessions',
    { schema: { tags: ['auth'], response: { 200: z.object({ items: z.array(ZCpSession) }) } } },
    async (request) => {
      const s = requireCustomer(request);
      const rows = await listSessions(db, s.user_id, deps.policy.idleSeconds);
      return {
        items: rows.map((r) => ({
          session_id: r.session_id,
          auth_method: r.auth_method,
          created_at: r.created_at.toISOString(),
          last_seen_at: r.last_seen_at.toISOString(),
          idle_expires_at: r.idle_expires_at.toISOString(),
          expires_at: r.expires_at.toISOString(),
          user_agent: r.user_agent,
          current: r.session_id === s.session_id,
        })),
      };
    },
  );

  app.delete(
    '/api/auth/sessions/:session_id',
    { schema: { tags: ['auth'], params: z.strictObject({ session_id: ZUuidId }) } },
    async (request, reply) => {
      const s = requireCustomer(request);
      const id = request.params.session_id;
      // Only the customer's own sessions: another user's id is "no such session", whatever exists.
      if (!(await revokeSession(db, s.user_id, id, 'signed_out_by_user')))
        throw await refused(deps, request, 'session_not_found', 'This account has no such session.', {
          action: 'session.revoke',
          target: id,
        });
      await recordAllowed(deps, request, { action: 'session.revoke', target: id });
      if (id === s.session_id) clearSessionCookie(reply, deps.policy);
      return reply.code(204).send();
    },
  );

  app.post(
    '/api/auth/sessions/revoke-all',
    {
      schema: {
        tags: ['auth'],
        body: z.strictObject({}).nullish(),
        response: { 200: z.object({ revoked: z.number().int() }) },
      },
    },
    async (request, reply) => {
      const s = requireCustomer(request);
      const revoked = await revokeAllSessions(db, s.user_id, 'signed_out_everywhere');
      await recordAllowed(deps, request, {
        action: 'session.revoke_all',
        target: s.user_id,
        details: { revoked },
      });
      clearSessionCookie(reply, deps.policy);
      return { revoked };
    },
  );
}
