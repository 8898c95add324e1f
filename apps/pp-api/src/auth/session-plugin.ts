import type { TOpsRole } from '@delta/contracts';
import { type App, AppError, type Db } from '@delta/server-kit';
import cookie from '@fastify/cookie';
import type { FastifyRequest } from 'fastify';
import { findSessionUser, type OpsUser } from './users-repository.ts';

export const SESSION_COOKIE = 'pp_session';

declare module 'fastify' {
  interface FastifyRequest {
    opsUser: OpsUser | null;
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Browser sessions for /api/*: an httpOnly, SameSite=Strict cookie holding a random token (only its hash is
 * stored). CSRF: SameSite=Strict, JSON-only bodies (no form or text/plain parser exists, so a cross-site form
 * cannot post here), and unsafe methods from another origin are refused outright.
 */
export async function registerSessions(app: App, db: Db): Promise<void> {
  await app.register(cookie);
  app.decorateRequest('opsUser', null);
  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/api/')) return;
    if (UNSAFE.has(request.method)) assertSameOrigin(request);
    const token = request.cookies[SESSION_COOKIE];
    if (token) request.opsUser = (await findSessionUser(db, token)) ?? null;
  });
}

function assertSameOrigin(request: FastifyRequest) {
  const site = request.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') {
    throw AppError.forbidden('cross_site_request', 'Requests from another site are not accepted.');
  }
  const origin = request.headers.origin;
  if (origin && origin !== 'null') {
    const host = request.headers.host;
    let originHost: string | undefined;
    try {
      originHost = new URL(origin).host;
    } catch {}
    if (!host || originHost !== host) {
      throw AppError.forbidden('cross_site_request', 'Requests from another origin are not accepted.');
    }
  } else if (origin === 'null') {
    throw AppError.forbidden('cross_site_request', 'Requests from an opaque origin are not accepted.');
  }
}

const RANK: Record<TOpsRole, number> = { viewer: 0, operator: 1, admin: 2 };

/** The signed-in ops user with at least `role`, or a 401/403 problem. */
export function requireUser(request: FastifyRequest, role: TOpsRole = 'viewer'): OpsUser {
  const user = request.opsUser;
  if (!user) throw AppError.unauthorized('login_required', 'Sign in to PP first.');
  if (RANK[user.role] < RANK[role]) {
    throw AppError.forbidden('role_forbidden', `This needs the ${role} role; you are ${user.role}.`);
  }
  return user;
}

export function actorOf(user: OpsUser): string {
  return `ops:${user.user_id}(${user.role})`;
}
