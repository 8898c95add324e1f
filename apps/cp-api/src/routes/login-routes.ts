import { randomBytes } from 'node:crypto';
import {
  ZChallengeAnswer,
  ZChallengeOptions,
  ZCustomerMe,
  ZPasskeyAssertion,
  ZPasswordLogin,
  ZPasswordLoginAnswer,
  ZSecondFactor,
} from '@delta/contracts';
import { dummyHash, verifyPassword } from '@delta/portal';
import { type App, maskUntrustedId } from '@delta/server-kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { type CpAuthDeps, recordAllowed, refused } from '../auth/context.ts';
import {
  type AuthMethod,
  clearSessionCookie,
  createSession,
  revokeSession,
  setSessionCookie,
} from '../auth/sessions.ts';
import { checkTotp } from '../auth/totp.ts';
import { type CustomerUser, factorsOf, findUser, findUserByEmail } from '../auth/users.ts';
import { assertionOptions, claimChallenge, createChallenge, verifyAssertion } from '../auth/webauthn.ts';
import { meOf } from './me.ts';

/** A sign-in challenge (passkey, or the second factor after a password) lives five minutes and is used once. */
const LOGIN_CHALLENGE_TTL_S = 300;

/**
 * Sign-in: a passkey alone (possession and user verification), or a password and then a second factor (a code
 * of the authenticator app or a passkey). Failures count per account and per address (429 login_throttled when
 * either is at its limit); every allow and deny is on CP's audit chain.
 */
export function registerLoginRoutes(app: App, deps: CpAuthDeps) {
  const { db, throttle } = deps;

  async function signIn(
    request: FastifyRequest,
    reply: FastifyReply,
    user: CustomerUser,
    method: AuthMethod,
  ) {
    await throttle.succeeded(user.user_id);
    const session = await createSession(db, user, {
      method,
      policy: deps.policy,
      userAgent: request.headers['user-agent'],
      ip: request.ip,
    });
    await recordAllowed(deps, request, {
      action: 'login',
      target: user.user_id,
      user,
      details: { method, session_id: session.session_id },
    });
    setSessionCookie(reply, session, deps.policy);
    return meOf(db, user, session);
  }

  async function assertNotThrottled(request: FastifyRequest, accountKey: string, action: string) {
    const wait = await throttle.blocked(accountKey, request.ip);
    if (wait > 0)
      throw await refused(
        deps,
        request,
        'login_throttled',
        'Too many failed sign-ins. Wait and try again.',
        { action, target: accountKey },
        { retryAfterS: wait },
      );
  }

  app.post(
    '/api/auth/login/password',
    { schema: { tags: ['auth'], body: ZPasswordLogin, response: { 200: ZPasswordLoginAnswer } } },
    async (request) => {
      const { email, password } = request.body;
      const user = await findUserByEmail(db, email);
      const accountKey = throttle.accountKey(user?.user_id, email);
      await assertNotThrottled(request, accountKey, 'login.password');
      const ok = await verifyPassword(user?.password_hash ?? (await dummyHash()), password);
      if (!user || !ok || user.disabled) {
        await throttle.failed(accountKey, request.ip);
        throw await refused(deps, request, 'invalid_credentials', 'Wrong e-mail or password.', {
          action: 'login.password',
          target: accountKey,
          customer_id: user?.customer_id ?? null,
        });
      }
      const factors = await factorsOf(db, user.user_id);
      if (factors.passkeys === 0 && !factors.totp)
        throw await refused(
          deps,
          request,
          'second_factor_not_enrolled',
          'This account has no second factor.',
          {
            action: 'login.password',
            target: user.user_id,
            user,
          },
        );
      const options = factors.passkeys > 0 ? await assertionOptions(db, deps.rp, user.user_id) : null;
      const challenge = await createChallenge(db, {
        purpose: 'second_factor',
        userId: user.user_id,
        challenge: options?.challenge ?? randomBytes(32).toString('base64url'),
        ttlSeconds: LOGIN_CHALLENGE_TTL_S,
      });
      await recordAllowed(deps, request, {
        action: 'login.password',
        target: user.user_id,
        user,
        details: { next: 'second_factor', login_challenge_id: challenge.challenge_id },
      });
      return {
        login_challenge_id: challenge.challenge_id,
        factors: [
          ...(factors.passkeys > 0 ? ['passkey' as const] : []),
          ...(factors.totp ? ['totp' as const] : []),
        ],
        passkey_options: options,
        expires_at: challenge.expires_at.toISOString(),
      };
    },
  );

  app.post(
    '/api/auth/login/second-factor',
    { schema: { tags: ['auth'], body: ZSecondFactor, response: { 200: ZCustomerMe } } },
    async (request, reply) => {
      const body = request.body;
      const action = 'login.second_factor';
      // Used up on the first try: a wrong code means the password again (each guess costs a password check).
      const row = await claimChallenge(db, body.login_challenge_id, 'second_factor');
      const user = row?.user_id ? await findUser(db, row.user_id) : undefined;
      if (!row || !user || user.disabled)
        throw await refused(deps, request, 'challenge_invalid', 'Sign in with your password again.', {
          action,
          target: body.login_challenge_id,
        });
      await assertNotThrottled(request, user.user_id, action);
      let method: AuthMethod;
      let why: string | undefined;
      if ('totp_code' in body) {
        method = 'password+totp';
        const check = await checkTotp(db, deps.keyring, user, body.totp_code);
        if (check !== 'ok') why = `totp_${check}`;
      } else {
        method = 'password+passkey';
        const v = await verifyAssertion(db, deps.rp, {
          response: body.passkey,
          challenge: row.challenge,
          userId: user.user_id,
        });
        if (!v.ok) why = v.why;
      }
      if (why) {
        await throttle.failed(user.user_id, request.ip);
        throw await refused(deps, request, 'second_factor_failed', 'The second factor was not accepted.', {
          action,
          target: user.user_id,
          user,
          details: { method, why },
        });
      }
      return reply.send(await signIn(request, reply, user, method));
    },
  );

  app.post(
    '/api/auth/login/passkey/options',
    { schema: { tags: ['auth'], body: z.strictObject({}).nullish(), response: { 200: ZChallengeOptions } } },
    async (request) => {
      const wait = await throttle.challengeWait(request.ip);
      if (wait > 0)
        throw await refused(
          deps,
          request,
          'rate_limited',
          'Too many sign-in attempts from this address.',
          { action: 'login.passkey_options', target: request.ip },
          { retryAfterS: wait },
        );
      // Any passkey of the site (discoverable credentials): the authenticator says whose it is.
      const options = await assertionOptions(db, deps.rp, null);
      const c = await createChallenge(db, {
        purpose: 'login',
        userId: null,
        challenge: options.challenge,
        ttlSeconds: LOGIN_CHALLENGE_TTL_S,
      });
      return { challenge_id: c.challenge_id, options, expires_at: c.expires_at.toISOString() };
    },
  );

  app.post(
    '/api/auth/login/passkey/verify',
    { schema: { tags: ['auth'], body: ZChallengeAnswer(ZPasskeyAssertion), response: { 200: ZCustomerMe } } },
    async (request, reply) => {
      const { challenge_id, response } = request.body;
      const action = 'login.passkey';
      const accountKey = maskUntrustedId(response.id);
      await assertNotThrottled(request, accountKey, action);
      const row = await claimChallenge(db, challenge_id, 'login');
      if (!row)
        throw await refused(deps, request, 'challenge_invalid', 'Start the passkey sign-in again.', {
          action,
          target: challenge_id,
        });
      const v = await verifyAssertion(db, deps.rp, { response, challenge: row.challenge, userId: null });
      const user = v.ok ? await findUser(db, v.user_id) : undefined;
      if (!v.ok || !user || user.disabled) {
        await throttle.failed(accountKey, request.ip);
        throw await refused(deps, request, 'passkey_login_failed', 'The passkey was not accepted.', {
          action,
          target: accountKey,
          details: { why: v.ok ? 'user_disabled' : v.why },
        });
      }
      return reply.send(await signIn(request, reply, user, 'passkey'));
    },
  );

  app.post('/api/auth/logout', { schema: { tags: ['auth'] } }, async (request, reply) => {
    const s = request.cpSession;
    if (s) {
      await revokeSession(db, s.user_id, s.session_id, 'logout');
      await recordAllowed(deps, request, { action: 'logout', target: s.session_id });
    }
    clearSessionCookie(reply, deps.policy);
    return reply.code(204).send();
  });
}
