import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { CP_CSRF_HEADER, CP_SESSION_COOKIE, principalLabel, type TPrincipal } from '@delta/contracts';
import { type App, type Db, problem, type Queryable } from '@delta/server-kit';
import cookie from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** The signed-in customer behind a request: who, for which customer, in which session. */
export interface CpSession {
  session_id: string;
  user_id: string;
  customer_id: string;
  email: string;
  /** When the customer signed in (a fresh sign-in is needed to add a sign-in method to a protected account). */
  created_at: Date;
  /** The anti-forgery token of this session (derived from its cookie; see csrfTokenOf). */
  csrf_token: string;
}

export type AuthMethod = 'signup' | 'passkey' | 'password+totp' | 'password+passkey';

export interface SessionPolicy {
  idleSeconds: number;
  maxSeconds: number;
  secureCookies: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    cpSession: CpSession | null;
  }
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * The anti-forgery token of a session: an HMAC of a fixed label under the session's cookie token, so it is bound
 * to that session, needs no storage, and does not reveal the token. The web app reads it from the login answer or
 * /api/auth/me and sends it in X-CP-CSRF; another site can neither read it nor send a custom header here.
 */
export function csrfTokenOf(token: string): string {
  return createHmac('sha256', token).update('cp-csrf/1').digest('base64url');
}

export async function createSession(
  db: Queryable,
  user: { user_id: string; customer_id: string },
  o: { method: AuthMethod; policy: SessionPolicy; userAgent?: string; ip: string },
): Promise<{ token: string; session_id: string; expires_at: Date }> {
  const token = randomBytes(32).toString('base64url');
  const sessionId = randomUUID();
  const r = await db.query<{ expires_at: Date }>(
    `INSERT INTO cp_sessions (session_id, token_hash, user_id, customer_id, auth_method, expires_at, user_agent,
                              remote_address)
     VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6), $7, $8) RETURNING expires_at`,
    [
      sessionId,
      hashToken(token),
      user.user_id,
      user.customer_id,
      o.method,
      o.policy.maxSeconds,
      o.userAgent?.slice(0, 256) ?? null,
      o.ip,
    ],
  );
  return { token, session_id: sessionId, expires_at: r.rows[0]!.expires_at };
}

/**
 * The live session a cookie names, its idle clock restarted — one statement: not revoked, within its absolute
 * lifetime, used within the idle timeout, its user not disabled.
 */
async function touchSession(db: Queryable, token: string, idleSeconds: number): Promise<CpSession | null> {
  const r = await db.query<Omit<CpSession, 'csrf_token'>>(
    `UPDATE cp_sessions s SET last_seen_at = now() FROM cp_users u
      WHERE s.token_hash = $1 AND u.user_id = s.user_id AND NOT u.disabled AND s.revoked_at IS NULL
        AND s.expires_at > now() AND s.last_seen_at > now() - make_interval(secs => $2)
     RETURNING s.session_id, s.user_id, s.customer_id, u.email, s.created_at`,
    [hashToken(token), idleSeconds],
  );
  const row = r.rows[0];
  return row ? { ...row, csrf_token: csrfTokenOf(token) } : null;
}

export interface SessionRow {
  session_id: string;
  auth_method: string;
  created_at: Date;
  last_seen_at: Date;
  idle_expires_at: Date;
  expires_at: Date;
  user_agent: string | null;
}

/** A user's live sessions, newest first. */
export async function listSessions(
  db: Queryable,
  userId: string,
  idleSeconds: number,
): Promise<SessionRow[]> {
  const r = await db.query<SessionRow>(
    `SELECT session_id, auth_method, created_at, last_seen_at, user_agent, expires_at,
            least(last_seen_at + make_interval(secs => $2), expires_at) AS idle_expires_at
       FROM cp_sessions
      WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now()
        AND last_seen_at > now() - make_interval(secs => $2)
      ORDER BY created_at DESC LIMIT 100`,
    [userId, idleSeconds],
  );
  return r.rows;
}

/** Revokes one of the user's own sessions; false when the user has no such live session. */
export async function revokeSession(db: Queryable, userId: string, sessionId: string, reason: string) {
  const r = await db.query(
    `UPDATE cp_sessions SET revoked_at = now(), revoked_reason = $3
      WHERE session_id = $1 AND user_id = $2 AND revoked_at IS NULL RETURNING session_id`,
    [sessionId, userId, reason],
  );
  return r.rows.length > 0;
}

/** Revokes every live session of the user ("sign out everywhere"); returns how many. */
export async function revokeAllSessions(db: Queryable, userId: string, reason: string): Promise<number> {
  const r = await db.query(
    `UPDATE cp_sessions SET revoked_at = now(), revoked_reason = $2
      WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now() RETURNING session_id`,
    [userId, reason],
  );
  return r.rows.length;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Customer sessions for /api/*: the `cp_session` cookie (HttpOnly, SameSite=Strict) names a server-side session.
 * CSRF: every state-changing request carries X-CP-CSRF — with a session, equal to that session's token; before
 * one exists (sign-up, sign-in), present (a custom header cannot be sent by another site without a CORS
 * preflight, which CP never grants) — and a browser saying the request is cross-site is refused outright.
 */
/**
 * Whether the session a cookie names is still live — without restarting its idle clock: an open live page does not
 * keep a phone signed in forever (the stream ends when the session would have).
 */
export async function isSessionLive(db: Queryable, token: string, idleSeconds: number): Promise<boolean> {
  const r = await db.query(
    `SELECT 1 FROM cp_sessions s JOIN cp_users u ON u.user_id = s.user_id
      WHERE s.token_hash = $1 AND NOT u.disabled AND s.revoked_at IS NULL
        AND s.expires_at > now() AND s.last_seen_at > now() - make_interval(secs => $2)`,
    [hashToken(token), idleSeconds],
  );
  return r.rows.length > 0;
}

export async function registerCustomerSessions(app: App, db: Db, policy: SessionPolicy): Promise<void> {
  await app.register(cookie);
  app.decorateRequest('cpSession', null);
  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/api/')) return;
    const token = request.cookies[CP_SESSION_COOKIE];
    if (token && token.length <= 128) request.cpSession = await touchSession(db, token, policy.idleSeconds);
    if (!UNSAFE.has(request.method)) return;
    const site = request.headers['sec-fetch-site'];
    if (site === 'cross-site' || site === 'same-site')
      throw problem('csrf_failed', 'Requests from another site are not accepted.');
    const sent = request.headers[CP_CSRF_HEADER];
    if (typeof sent !== 'string' || sent.length === 0 || sent.length > 128)
      throw problem('csrf_failed', `State-changing requests must carry the ${CP_CSRF_HEADER} header.`);
    if (request.cpSession && !sameToken(sent, request.cpSession.csrf_token))
      throw problem('csrf_failed', `The ${CP_CSRF_HEADER} header does not match this session.`);
  });
}

export function setSessionCookie(
  reply: FastifyReply,
  session: { token: string; expires_at: Date },
  policy: SessionPolicy,
) {
  reply.setCookie(CP_SESSION_COOKIE, session.token, {
    httpOnly: true,
    sameSite: 'strict',
    secure: policy.secureCookies,
    path: '/',
    expires: session.expires_at,
  });
}

export function clearSessionCookie(reply: FastifyReply, policy: SessionPolicy) {
  reply.clearCookie(CP_SESSION_COOKIE, {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure: policy.secureCookies,
  });
}

/** The signed-in customer, or 401 login_required. Everything a customer reaches is keyed by this, never by input. */
export function requireCustomer(request: FastifyRequest): CpSession {
  const s = request.cpSession;
  if (!s) throw problem('login_required', 'Sign in to CP first.');
  return s;
}

/**
 * The principal CP acts for towards Plant: the session's customer, never an id from the request — so a customer
 * reaches only its own customer's data.
 */
export function customerPrincipal(request: FastifyRequest): TPrincipal {
  const s = requireCustomer(request);
  return { kind: 'customer', user_id: s.user_id, customer_id: s.customer_id };
}

/** The audit actor of a request: the customer principal, or the anonymous address. */
export function actorOf(request: FastifyRequest, user?: { user_id: string; customer_id: string }): string {
  const u = user ?? request.cpSession;
  return u
    ? principalLabel({ kind: 'customer', user_id: u.user_id, customer_id: u.customer_id })
    : `anonymous@${request.ip}`;
}
