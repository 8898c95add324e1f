import { type App, AppError } from '@delta/server-kit';
import {
  claimTokenOnce,
  createServiceTokenVerifier,
  type IssuerKeys,
  type ReplayCache,
  requestHash,
  ServiceTokenError,
  type VerifiedServiceToken,
} from '@delta/service-auth';
import type { FastifyRequest } from 'fastify';
import { assertRoleAllows } from './access.ts';
import { identityError, setPrincipal } from './principal.ts';

export const IDENTITY_ASSERTION_HEADER = 'x-identity-assertion';
export const GATEWAY_ISSUER = 'plant-gateway';
export const PLANT_AUDIENCE = 'plant';

/** Verifies one X-Identity-Assertion; throws ServiceTokenError. Built by createGatewayIdentityVerifier. */
export type IdentityVerifier = (token: string | undefined) => Promise<VerifiedServiceToken>;

/**
 * The only verifier Plant should run with: trusts the gateway alone, for audience `plant`. Production passes the
 * gateway's JWKS URL; tests pass a static JWKS.
 */
export function createGatewayIdentityVerifier(keys: string | IssuerKeys): IdentityVerifier {
  return createServiceTokenVerifier({
    audience: PLANT_AUDIENCE,
    issuers: { [GATEWAY_ISSUER]: typeof keys === 'string' ? { jwksUrl: keys } : keys },
  });
}

/** The one request binding (METHOD \n path-with-query \n body), the same the gateway signs (@delta/service-auth). */
export { requestHash } from '@delta/service-auth';

/** Routes that answer without an identity: probes, API docs, key documents. Everything else needs one. */
function isOpenRoute(routeUrl: string | undefined): boolean {
  if (routeUrl === undefined) return false;
  return (
    routeUrl === '/healthz' ||
    routeUrl === '/readyz' ||
    routeUrl === '/docs' ||
    routeUrl.startsWith('/docs/') ||
    routeUrl.startsWith('/.well-known/')
  );
}

/**
 * Caller identity for every non-open route (deny by default, so an unknown path or a percent-encoded `/%61pi/`
 * is covered too): the gateway's signed assertion, its correlation id equal to the request's, and its request hash
 * equal to a hash of the bytes Plant actually received, used once (its jti is claimed in `replayCache`, so a replay
 * is refused by every Plant instance on the database). Records the principal (see principalOf).
 */
export function registerIdentity(app: App, verifier: IdentityVerifier, replayCache: ReplayCache): void {
  // No insecure default: a Plant without a verifier must fail at start-up, not serve anonymous callers.
  if (typeof verifier !== 'function') throw new Error('Plant needs an identityVerifier to start');

  // The hash covers the exact bytes, so keep them; then parse exactly as Fastify's own JSON parser would
  // (same proto-poisoning refusal, same empty/malformed errors, which the problem mapper turns into 400s).
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const raw = Buffer.isBuffer(body) ? body : Buffer.from(body);
    rawBodies.set(request, raw);
    parseJson(request, raw.toString('utf8'), done);
  });

  // onRequest: before the body is read, so an unauthenticated caller costs no parsing.
  app.addHook('onRequest', async (request) => {
    if (isOpenRoute(request.routeOptions.url)) return;
    const header = request.headers[IDENTITY_ASSERTION_HEADER];
    if (Array.isArray(header)) throw identityError('identity_invalid', 'malformed');
    let verified: VerifiedServiceToken;
    try {
      verified = await verifier(header);
    } catch (err) {
      const failure = err instanceof ServiceTokenError ? err.failure : 'malformed';
      if (failure === 'missing') throw identityError('identity_required', failure);
      // The gateway's keys are unreachable: not proof the assertion is bad, and retrying may work.
      if (failure === 'keys_unavailable')
        throw new AppError(503, 'identity_unavailable', 'The gateway keys cannot be fetched now.', {
          extra: { failure },
          headers: { 'retry-after': '1' },
        });
      throw identityError('identity_invalid', failure);
    }
    // Belt and braces in case a verifier trusting someone else was passed in: only the gateway speaks for callers.
    const aud = verified.payload.aud;
    const audiences = Array.isArray(aud) ? aud : [aud];
    if (verified.issuer !== GATEWAY_ISSUER || !audiences.includes(PLANT_AUDIENCE))
      throw identityError('identity_invalid', 'untrusted_issuer');
    // The gateway sends the id in both places; a mismatch means the assertion was lifted from another request.
    if (verified.correlationId !== request.correlationId)
      throw identityError('identity_invalid', 'correlation_mismatch');
    if (verified.requestHash === undefined) throw identityError('identity_invalid', 'request_hash_missing');
    setPrincipal(request, verified.principal);
    assertions.set(request, verified);
    assertRoleAllows(verified.principal, request.method);
  });

  // preValidation: the body is parsed (rawBody set) but not yet validated, so altered bytes are a 401, not a 422.
  // Only an assertion bound to these bytes is then used up: a mismatched copy does not burn the genuine one.
  app.addHook('preValidation', async (request) => {
    const verified = assertions.get(request);
    if (verified === undefined) return;
    if (requestHash(request.method, request.url, rawBodies.get(request)) !== verified.requestHash)
      throw identityError('identity_invalid', 'request_hash_mismatch');
    try {
      await claimTokenOnce(replayCache, verified);
    } catch (err) {
      const failure = err instanceof ServiceTokenError ? err.failure : 'replay_check_unavailable';
      if (failure === 'replay_check_unavailable')
        throw new AppError(503, 'identity_unavailable', 'The identity assertion cannot be checked now.', {
          extra: { failure },
          headers: { 'retry-after': '1' },
        });
      throw identityError('identity_invalid', failure);
    }
  });
}

/** Verified assertions and received bytes by request: kept off the request object so no handler can alter them. */
const assertions = new WeakMap<FastifyRequest, VerifiedServiceToken>();
const rawBodies = new WeakMap<FastifyRequest, Buffer>();
