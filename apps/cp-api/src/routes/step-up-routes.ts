import { ZStepUpOptions, ZStepUpOptionsRequest } from '@delta/contracts';
import type { App } from '@delta/server-kit';
import { type CpAuthDeps, recordAllowed } from '../auth/context.ts';
import { requireCustomer } from '../auth/sessions.ts';
import { stepUpOptions } from '../auth/step-up.ts';

/**
 * POST /api/step-up/options: the WebAuthn request whose challenge binds one intent hash (SHA-256 of the hash and
 * a server nonce; two minutes, once). The approval that follows carries the assertion, checked by verifyStepUp.
 */
export function registerStepUpRoutes(app: App, deps: CpAuthDeps) {
  app.post(
    '/api/step-up/options',
    { schema: { tags: ['step-up'], body: ZStepUpOptionsRequest, response: { 200: ZStepUpOptions } } },
    async (request) => {
      const s = requireCustomer(request);
      const r = await stepUpOptions(deps.db, deps.rp, s.user_id, request.body.intent_hash);
      await recordAllowed(deps, request, {
        action: 'step_up.options',
        target: request.body.intent_hash,
        details: { nonce_id: r.nonce_id },
      });
      return { nonce_id: r.nonce_id, options: r.options, expires_at: r.expires_at.toISOString() };
    },
  );
}
