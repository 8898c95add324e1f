import { ZOpsRole } from '@delta/contracts';
import { type App, AppError, type Db, maskUntrustedId } from '@delta/server-kit';
import { z } from 'zod';
import { dummyHash, verifyPassword } from '../auth/passwords.ts';
import { actorOf, requireUser, SESSION_COOKIE } from '../auth/session-plugin.ts';
import {
  createSession,
  findUserByUsername,
  recentFailures,
  recordLoginAttempt,
  revokeSession,
} from '../auth/users-repository.ts';
import { ppAudit } from '../pp-audit.ts';

export interface AuthOptions {
  sessionTtlSeconds: number;
  secureCookies: boolean;
  /** Failed attempts per username (since its last success) before logins are refused for `lockoutSeconds`. */
  maxFailures: number;
  lockoutSeconds: number;
}

const ZMe = z.object({
  user_id: z.string(),
  username: z.string(),
  display_name: z.string(),
  role: ZOpsRole,
});

const ZLogin = z.strictObject({
  username: z.string().trim().min(1).max(64),
  password: z.string().min(1).max(256),
});

export function registerAuthRoutes(app: App, db: Db, opts: AuthOptions): void {
  app.post(
    '/api/auth/login',
    {
      schema: {
        tags: ['auth'],
        body: ZLogin,
        response: { 200: z.object({ user: ZMe, expires_at: z.string() }) },
      },
    },
    async (request, reply) => {
      const { username, password } = request.body;
      const user = await findUserByUsername(db, username);
      // What a failed sign-in is recorded under: the user's name when there is such a user, else a hash of what
      // was typed — a password or a key pasted into the user-name field is never stored (throttling still counts
      // repeated tries of the same value).
      const attempted = user ? user.username : maskUntrustedId(username.toLowerCase());
      const failures = await recentFailures(db, attempted, opts.lockoutSeconds);
      if (failures.count >= opts.maxFailures) {
        await ppAudit.append(db, {
          correlation_id: request.correlationId,
          actor: `anonymous@${request.ip}`,
          action: 'login',
          target: attempted,
          outcome: 'denied',
          reason: 'login_throttled',
          details: { failures: failures.count },
        });
        const retry = failures.last
          ? opts.lockoutSeconds - (Date.now() - failures.last.getTime()) / 1000
          : opts.lockoutSeconds;
        throw AppError.tooManyRequests(
          'login_throttled',
          'Too many failed sign-ins for this user. Wait and try again.',
          Math.max(1, retry),
        );
      }
      const ok = user
        ? await verifyPassword(user.password_hash, password)
        : await verifyPassword(await dummyHash(), password);
      if (!user || !ok || user.disabled) {
        await recordLoginAttempt(db, attempted, request.ip, false);
        await ppAudit.append(db, {
          correlation_id: request.correlationId,
          actor: `anonymous@${request.ip}`,
          action: 'login',
          target: attempted,
          outcome: 'denied',
          reason: 'invalid_credentials',
        });
        throw AppError.unauthorized('invalid_credentials', 'Wrong user name or password.');
      }
      await recordLoginAttempt(db, attempted, request.ip, true);
      const session = await createSession(db, user.user_id, opts.sessionTtlSeconds);
      await ppAudit.append(db, {
        correlation_id: request.correlationId,
        actor: actorOf(user),
        action: 'login',
        target: user.username,
        outcome: 'allowed',
      });
      reply.setCookie(SESSION_COOKIE, session.token, {
        httpOnly: true,
        sameSite: 'strict',
        secure: opts.secureCookies,
        path: '/',
        expires: session.expires_at,
      });
      return {
        user: {
          user_id: user.user_id,
          username: user.username,
          display_name: user.display_name,
          role: user.role,
        },
        expires_at: session.expires_at.toISOString(),
      };
    },
  );

  app.post('/api/auth/logout', { schema: { tags: ['auth'] } }, async (request, reply) => {
    const token = request.cookies[SESSION_COOKIE];
    if (token) await revokeSession(db, token);
    if (request.opsUser) {
      await ppAudit.append(db, {
        correlation_id: request.correlationId,
        actor: actorOf(request.opsUser),
        action: 'logout',
        outcome: 'allowed',
      });
    }
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.code(204).send();
  });

  app.get('/api/auth/me', { schema: { tags: ['auth'], response: { 200: ZMe } } }, async (request) => {
    const u = requireUser(request);
    return { user_id: u.user_id, username: u.username, display_name: u.display_name, role: u.role };
  });
}
