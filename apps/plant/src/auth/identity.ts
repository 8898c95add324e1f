import { type App, AppError } from '@delta/server-kit';
import {
  assertionBindsRequest,
  claimTokenOnce,
  IDENTITY_ASSERTION_HEADER,
  type IdentityVerifier,
  type ReplayCache,
  ServiceTokenError,
  type VerifiedIdentityAssertion,
  verifyIdentityAssertion,
} from '@delta/service-auth';
import type { FastifyRequest } from 'fastify';
import { assertRoleAllows } from './access.ts';
import { identityError, setPrincipal } from './principal.ts';

/** The assertion's binding is defined once, in @delta/service-auth (the gateway signs with the same definition). */
export {
  createGatewayIdentityVerifier,
  GATEWAY_ISSUER,
  IDENTITY_ASSERTION_HEADER,
  type IdentityVerifier,
  PLANT_AUDIENCE,
  requestHash,
} from '@delta/service-auth';

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
    let verified: VerifiedIdentityAssertion;
    try {
      verified = await verifyIdentityAssertion(verifier, header, { correlationId: request.correlationId });
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
    setPrincipal(request, verified.principal);
    assertions.set(request, verified);
    assertRoleAllows(verified.principal, request.method);
  });

  // preValidation: the body is parsed (rawBody set) but not yet validated, so altered bytes are a 401, not a 422.
  // Only an assertion bound to these bytes is then used up: a mismatched copy does not burn the genuine one.
  app.addHook('preValidation', async (request) => {
    const verified = assertions.get(request);
    if (verified === undefined) return;
    if (!assertionBindsRequest(verified, request.method, request.url, rawBodies.get(request)))
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
const assertions = new WeakMap<FastifyRequest, VerifiedIdentityAssertion>();
const rawBodies = new WeakMap<FastifyRequest, Buffer>();
