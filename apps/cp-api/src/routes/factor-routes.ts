import {
  ZChallengeOptions,
  ZCustomerMe,
  ZPasskeyName,
  ZPasskeyRegistrationResponse,
  ZTotpCode,
  ZTotpEnrolment,
  ZUuidId,
} from '@delta/contracts';
import type { App } from '@delta/server-kit';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { type CpAuthDeps, recordAllowed, refused } from '../auth/context.ts';
import { type CpSession, requireCustomer } from '../auth/sessions.ts';
import { beginTotpEnrolment, checkTotp } from '../auth/totp.ts';
import { factorsOf } from '../auth/users.ts';
import { claimChallenge, createChallenge, registerPasskey, registrationOptions } from '../auth/webauthn.ts';
import { meOf } from './me.ts';

const REGISTRATION_TTL_S = 300;
/** How recent a sign-in must be to add a sign-in method to an account that already has one. */
export const FRESH_SIGN_IN_S = 600;

/**
 * The signed-in customer's second factors: passkeys (WebAuthn registration, user verification required,
 * attestation `none`) and an authenticator app (TOTP; its secret shown once, confirmed by a code).
 */
export function registerFactorRoutes(app: App, deps: CpAuthDeps) {
  const { db } = deps;

  /**
   * A session that is not fresh may not add a sign-in method to an account that has one: otherwise a session
   * taken over once (an unattended device) could plant the taker's own passkey and keep the account.
   */
  async function requireFreshSignIn(request: FastifyRequest, action: string): Promise<CpSession> {
    const s = requireCustomer(request);
    const f = await factorsOf(db, s.user_id);
    const age = (Date.now() - s.created_at.getTime()) / 1000;
    if ((f.passkeys > 0 || f.totp) && age > FRESH_SIGN_IN_S)
      throw await refused(deps, request, 'reauthentication_required', 'Sign in again first.', {
        action,
        details: { session_age_s: Math.round(age) },
      });
    return s;
  }

  app.post(
    '/api/auth/passkeys/registration/options',
    {
      schema: {
        tags: ['factors'],
        body: z.strictObject({}).nullish(),
        response: { 200: ZChallengeOptions },
      },
    },
    async (request) => {
      const s = await requireFreshSignIn(request, 'passkey.register');
      const options = await registrationOptions(db, deps.rp, s);
      const c = await createChallenge(db, {
        purpose: 'registration',
        userId: s.user_id,
        challenge: options.challenge,
        ttlSeconds: REGISTRATION_TTL_S,
      });
      return { challenge_id: c.challenge_id, options, expires_at: c.expires_at.toISOString() };
    },
  );

  app.post(
    '/api/auth/passkeys/registration/verify',
    {
      schema: {
        tags: ['factors'],
        body: z.strictObject({
          challenge_id: ZUuidId,
          response: ZPasskeyRegistrationResponse,
          name: ZPasskeyName.optional(),
        }),
        response: { 201: ZCustomerMe },
      },
    },
    async (request, reply) => {
      const s = await requireFreshSignIn(request, 'passkey.register');
      const { challenge_id, response, name } = request.body;
      const action = 'passkey.register';
      const row = await claimChallenge(db, challenge_id, 'registration', s.user_id);
      if (!row)
        throw await refused(deps, request, 'challenge_invalid', 'Start the passkey registration again.', {
          action,
          target: challenge_id,
        });
      const r = await registerPasskey(db, deps.rp, {
        userId: s.user_id,
        challenge: row.challenge,
        response,
        name: name ?? 'Passkey',
      });
      if (!r.ok) {
        const code = r.why === 'duplicate' ? 'passkey_already_registered' : 'passkey_registration_failed';
        throw await refused(deps, request, code, 'The passkey was not registered.', {
          action,
          target: response.id.slice(0, 64),
          details: { why: r.why },
        });
      }
      await recordAllowed(deps, request, { action, target: r.credential_id.slice(0, 64) });
      return reply.code(201).send(await meOf(db, s, s));
    },
  );

  app.post(
    '/api/auth/totp/enrolment',
    { schema: { tags: ['factors'], body: z.strictObject({}).nullish(), response: { 201: ZTotpEnrolment } } },
    async (request, reply) => {
      const s = await requireFreshSignIn(request, 'totp.enrol');
      const uri = await beginTotpEnrolment(db, deps.keyring, s);
      if (!uri)
        throw await refused(
          deps,
          request,
          'totp_already_enrolled',
          'An authenticator app is set up already.',
          {
            action: 'totp.enrol',
          },
        );
      await recordAllowed(deps, request, {
        action: 'totp.enrol',
        target: s.user_id,
        details: { step: 'begun' },
      });
      // Shown once: never cached, never logged (request logs carry no bodies), never returned again.
      reply.header('cache-control', 'no-store');
      return reply.code(201).send({ otpauth_uri: uri });
    },
  );

  app.post(
    '/api/auth/totp/enrolment/confirm',
    {
      schema: {
        tags: ['factors'],
        body: z.strictObject({ code: ZTotpCode }),
        response: { 200: ZCustomerMe },
      },
    },
    async (request) => {
      const s = requireCustomer(request);
      const check = await checkTotp(db, deps.keyring, s, request.body.code, { confirming: true });
      if (check === 'not_enrolled')
        throw await refused(deps, request, 'totp_not_enrolled', 'Start the set-up again.', {
          action: 'totp.confirm',
        });
      if (check !== 'ok')
        throw await refused(deps, request, 'totp_code_invalid', 'The code does not match.', {
          action: 'totp.confirm',
          details: { why: check },
        });
      await recordAllowed(deps, request, { action: 'totp.confirm', target: s.user_id });
      return meOf(db, s, s);
    },
  );
}
