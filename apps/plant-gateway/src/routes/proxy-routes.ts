import { type App, AppError } from '@delta/server-kit';
import {
  type ReplayCache,
  type ServiceKeys,
  type ServiceTokenVerifier,
  signIdentityAssertion,
} from '@delta/service-auth';
import { admitRequest, authenticateCaller, type Caller, CallerRefused } from '../caller-auth.ts';
import { type Finding, scanJson, scanQuery } from '../credential-firewall.ts';
import { type RecordRefusal, refuser } from '../gateway-audit.ts';
import { forwardToPlant } from '../plant-forwarder.ts';
import type { CallerLimiter } from '../rate-limiter.ts';

export interface ProxyDeps {
  verify: ServiceTokenVerifier;
  keys: ServiceKeys;
  limiter: CallerLimiter;
  recordRefusal: RecordRefusal;
  /** Portal token ids already used (shared by every gateway instance through the database). */
  replayCache: ReplayCache;
  plantUrl: string;
  upstreamTimeoutMs: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated portal and principal; set for every request that reaches a /api/ handler. */
    caller: Caller | null;
  }
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * Everything under /api/ goes to Plant, in this order: service token and principal (onRequest, before the body is
 * read) → rate limit → JSON only (415 otherwise) → path check → credential firewall → token/request binding →
 * one-time use of the token (replay cache) → identity assertion → Plant. Registered in its own scope so the
 * raw-body JSON parser applies here only.
 */
export async function registerProxyRoutes(app: App, deps: ProxyDeps): Promise<void> {
  app.decorateRequest('caller', null);
  // Plant must receive the exact bytes the caller sent (and the hash covers them): keep the body raw.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  const refuse = refuser(deps.recordRefusal);

  app.addHook('onRequest', async (request) => {
    let caller: Caller;
    try {
      caller = await authenticateCaller(deps.verify, request.headers.authorization);
    } catch (err) {
      if (err instanceof CallerRefused) return refuse(request, err.error, err.caller, err.details);
      throw err;
    }
    request.caller = caller;
    const waitS = await deps.limiter.take(`${caller.issuer}|${caller.label}`);
    if (waitS !== undefined) {
      const error = AppError.tooManyRequests('rate_limited', 'Too many requests for this principal.', waitS);
      await refuse(request, error, caller, { retry_after_s: Math.max(1, Math.ceil(waitS)) });
    }
  });

  app.route({
    method: METHODS,
    url: '/api/*',
    schema: { hide: true },
    handler: async (request, reply) => {
      const caller = request.caller!;
      const body = Buffer.isBuffer(request.body) ? request.body : undefined;
      const pathWithQuery = checkedPath(request.url);

      const findings = firewallFindings(request.url, body);
      if (findings.length > 0) {
        const first = findings[0]!;
        const error = AppError.badRequest(
          'credential_material_forbidden',
          `Key material is never accepted here (${first.location} field "${first.path}"). Send exchange keys to the portal's credential vault and pass its credential_ref.`,
          { field: first.path, location: first.location, fields: findings },
        );
        return refuse(request, error, caller, { fields: findings });
      }

      let hash: string;
      try {
        hash = await admitRequest(deps.replayCache, caller, request.method, pathWithQuery, body);
      } catch (err) {
        if (err instanceof CallerRefused) return refuse(request, err.error, err.caller, err.details);
        throw err;
      }

      const upstream = await forwardToPlant(deps.plantUrl, deps.upstreamTimeoutMs, {
        method: request.method,
        pathWithQuery,
        contentType: request.headers['content-type'],
        accept: request.headers.accept,
        body,
        correlationId: request.correlationId,
        assertion: await signIdentityAssertion(deps.keys, {
          principal: caller.principal,
          correlationId: request.correlationId,
          requestHash: hash,
        }),
      });
      request.log.debug(
        { issuer: caller.issuer, principal: caller.label, upstream_status: upstream.status },
        'forwarded to plant',
      );
      reply.code(upstream.status);
      if (upstream.contentType) reply.header('content-type', upstream.contentType);
      if (upstream.retryAfter) reply.header('retry-after', upstream.retryAfter);
      return reply.send(upstream.body);
    },
  });
}

/**
 * The path Plant will see must be the path we checked: fetch normalises `..` and `%2e%2e`, which could step
 * out of /api/ to Plant's other routes. Anything the URL parser would rewrite is refused.
 */
function checkedPath(url: string): string {
  const parsed = new URL(url, 'http://plant.invalid');
  if (parsed.pathname + parsed.search !== url || !parsed.pathname.startsWith('/api/'))
    throw AppError.badRequest('invalid_path', 'The request path is not in canonical form.');
  return url;
}

function firewallFindings(url: string, body: Buffer | undefined): Finding[] {
  const q = url.indexOf('?');
  const findings = q === -1 ? [] : scanQuery(url.slice(q + 1));
  if (body && body.length > 0) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw AppError.badRequest('malformed_json', 'The body is not valid JSON.');
    }
    findings.push(...scanJson(parsed));
  }
  return findings;
}
