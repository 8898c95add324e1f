import { PASSWORD_MIN_LENGTH, ZCustomerMe, ZSignup } from '@delta/contracts';
import { CpInviteError, hashPassword, verifyCpInvite } from '@delta/portal';
import { type App, maskUntrustedId } from '@delta/server-kit';
import type { JwtKey } from '@delta/service-auth';
import { type CpAuthDeps, recordAllowed, refused } from '../auth/context.ts';
import { createSession, setSessionCookie } from '../auth/sessions.ts';
import { type CustomerUser, insertInvitedUser, inviteUsed } from '../auth/users.ts';
import { meOf } from './me.ts';

/** The policy: at least 12 characters, and not the e-mail (nor containing it, nor its name part). */
export function passwordProblem(password: string, email: string): string | undefined {
  if ([...password].length < PASSWORD_MIN_LENGTH) return `Use at least ${PASSWORD_MIN_LENGTH} characters.`;
  const p = password.toLowerCase();
  const local = email.split('@')[0] ?? '';
  if (p.includes(email) || (local.length >= 4 && p.includes(local)))
    return 'The password must not be (or contain) your e-mail address.';
  return undefined;
}

class SignupConflict extends Error {
  constructor(readonly conflict: 'email' | 'invite') {
    super(conflict);
  }
}

/**
 * POST /api/auth/signup: an invitation from PP (verified with PP's key, used once), an e-mail and a password →
 * the customer user, and a first session so the customer can add a passkey or an authenticator app.
 */
export function registerSignupRoutes(app: App, deps: CpAuthDeps) {
  app.post(
    '/api/auth/signup',
    { schema: { tags: ['auth'], body: ZSignup, response: { 201: ZCustomerMe } } },
    async (request, reply) => {
      const { invite: token, email, password } = request.body;
      const action = 'signup';
      const target = maskUntrustedId(email);
      let key: JwtKey;
      try {
        key = await deps.ppInviteKey();
      } catch (err) {
        request.log.warn({ err }, 'PP keys unavailable for an invitation');
        throw await refused(deps, request, 'invite_keys_unavailable', 'PP’s keys could not be read.', {
          action,
          target,
        });
      }
      let invite: ReturnType<typeof verifyCpInvite>;
      try {
        invite = verifyCpInvite(token, key);
      } catch (err) {
        if (!(err instanceof CpInviteError)) throw err;
        const detail =
          err.failure === 'invite_expired' ? 'The invitation has expired.' : 'The invitation is not valid.';
        throw await refused(deps, request, err.failure, detail, {
          action,
          target,
          details: { why: err.why },
        });
      }
      const facts = { action, target, customer_id: invite.customer_id, details: { jti: invite.jti } };
      if (await inviteUsed(deps.db, invite.jti))
        throw await refused(deps, request, 'invite_used', 'The invitation was used already.', facts);
      const weak = passwordProblem(password, email);
      if (weak) throw await refused(deps, request, 'password_too_weak', weak, facts);

      const passwordHash = await hashPassword(password);
      let user: CustomerUser;
      try {
        user = await deps.db.transaction(async (tx) => {
          const r = await insertInvitedUser(tx, { ...invite, email, password_hash: passwordHash });
          // Thrown, so the transaction rolls the half-made account back.
          if ('conflict' in r) throw new SignupConflict(r.conflict);
          return r.user;
        });
      } catch (err) {
        if (!(err instanceof SignupConflict)) throw err;
        if (err.conflict === 'invite')
          throw await refused(deps, request, 'invite_used', 'The invitation was used already.', facts);
        throw await refused(deps, request, 'email_taken', 'Another account uses this e-mail.', facts);
      }
      const session = await createSession(deps.db, user, {
        method: 'signup',
        policy: deps.policy,
        userAgent: request.headers['user-agent'],
        ip: request.ip,
      });
      await recordAllowed(deps, request, {
        action,
        target: user.user_id,
        user,
        details: { jti: invite.jti, issued_by: invite.issued_by, session_id: session.session_id },
      });
      setSessionCookie(reply, session, deps.policy);
      return reply.code(201).send(await meOf(deps.db, user, session));
    },
  );
}
