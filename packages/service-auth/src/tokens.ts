import { type TPrincipal, ZPrincipal } from '@delta/contracts';
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { remoteJwks } from './jwks.ts';
import { JWT_ALGORITHM, type JwtClaims, JwtError, type JwtKey, signJwt, verifyJwt } from './jwt.ts';
import type { ServiceKeys } from './keys.ts';

/** The longest life a service token may have: a stolen one is useless within a minute. */
export const MAX_SERVICE_TOKEN_TTL_S = 60;

export interface ServiceTokenClaims {
  iss: string;
  aud: string;
  principal: TPrincipal;
  correlation_id?: string;
  /**
   * Binds the token to one request: requestHash(METHOD, path-with-query, body) (see request-binding.ts). The
   * gateway refuses portal tokens without it, and Plant refuses assertions without it.
   */
  request_hash?: string;
}

export async function signServiceToken(
  keys: ServiceKeys,
  claims: ServiceTokenClaims,
  ttlSeconds = 30,
  now = Math.floor(Date.now() / 1000),
): Promise<string> {
  if (!(ttlSeconds > 0 && ttlSeconds <= MAX_SERVICE_TOKEN_TTL_S))
    throw new Error(`service tokens live more than 0 and at most ${MAX_SERVICE_TOKEN_TTL_S} s`);
  // A token whose principal the verifier would reject is a bug at the caller: fail here, where it is made.
  ZPrincipal.parse(claims.principal);
  const { iss, aud, ...rest } = claims;
  // fast-jwt (node:crypto), see jwt.ts: WebCrypto's per-call cost was most of a token's cost.
  return signJwt(
    {
      ...rest,
      iss,
      aud,
      sub:
        claims.principal.kind === 'service'
          ? claims.principal.service
          : claims.principal.kind === 'ops'
            ? claims.principal.user_id
            : claims.principal.customer_id,
      iat: now,
      exp: now + ttlSeconds,
      jti: crypto.randomUUID(),
    },
    keys.signing.privateKey,
    keys.signing.kid,
  );
}

export type TokenFailure =
  | 'missing'
  | 'malformed'
  | 'expired'
  | 'untrusted_issuer'
  | 'wrong_audience'
  | 'bad_signature'
  | 'ttl_too_long'
  | 'bad_principal'
  /** The issuer's JWKS could not be fetched: not the caller's fault, and not proof the token is bad. */
  | 'keys_unavailable'
  /** The token carries no request_hash, or one for another request (see request-binding.ts). */
  | 'request_hash_missing'
  | 'request_hash_mismatch'
  /** An identity assertion whose correlation id is not its request's (see identity-assertion.ts). */
  | 'correlation_mismatch'
  /** The token's jti was already used (see replay-cache.ts). */
  | 'token_replayed'
  /** The replay cache (the database) could not be asked: refused, but retrying may work. */
  | 'replay_check_unavailable';

export class ServiceTokenError extends Error {
  constructor(readonly failure: TokenFailure) {
    super(`service token rejected: ${failure}`);
    this.name = 'ServiceTokenError';
  }
}

/** Where an issuer's public keys come from: its JWKS URL (cached, refreshed on unknown kid) or a static JWKS. */
export type IssuerKeys = { jwksUrl: string } | { jwks: JSONWebKeySet };

export interface VerifiedServiceToken {
  issuer: string;
  principal: TPrincipal;
  correlationId?: string;
  requestHash?: string;
  payload: JwtClaims;
}

/** Verifies service JWTs: EdDSA only, trusted issuers only, our audience, ≤ 60 s life, a well-formed principal. */
export function createServiceTokenVerifier(options: {
  audience: string;
  issuers: Record<string, IssuerKeys>;
  clockToleranceS?: number;
}) {
  const keySets = new Map<string, JWTVerifyGetKey>();
  for (const [iss, src] of Object.entries(options.issuers)) {
    keySets.set(iss, 'jwksUrl' in src ? remoteJwks(src.jwksUrl) : createLocalJWKSet(src.jwks));
  }

  return async function verify(token: string | undefined): Promise<VerifiedServiceToken> {
    if (!token) throw new ServiceTokenError('missing');
    const parts = token.split('.');
    if (parts.length !== 3) throw new ServiceTokenError('malformed');
    let iss: unknown;
    try {
      iss = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')).iss;
    } catch {
      throw new ServiceTokenError('malformed');
    }
    const keySet = typeof iss === 'string' ? keySets.get(iss) : undefined;
    if (!keySet) throw new ServiceTokenError('untrusted_issuer');
    let payload: JwtClaims;
    try {
      // jose's key sets find the key by kid (and fetch, cache and refresh a remote JWKS); fast-jwt checks the
      // signature and claims (jwt.ts). Only an EdDSA header reaches the lookup: jose picks the key by alg too.
      const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8'));
      if (header?.alg !== JWT_ALGORITHM) throw new JwtError('unsupported');
      const key = await keySet(header, { payload: '', protected: '', signature: '' });
      if (key instanceof Uint8Array) throw new errors.JWKSNoMatchingKey();
      // jose's KeyObject type is its own interface; jwt.ts checks the key (Ed25519, public) at run time.
      ({ payload } = verifyJwt(token, key as JwtKey, {
        issuer: iss as string,
        audience: options.audience,
        requiredClaims: ['iat', 'exp', 'jti'],
        clockTolerance: options.clockToleranceS ?? 5,
      }));
    } catch (err) {
      if (err instanceof JwtError) {
        if (err.failure === 'expired') throw new ServiceTokenError('expired');
        if (err.failure === 'claim_invalid' && err.claim === 'aud')
          throw new ServiceTokenError('wrong_audience');
        if (err.failure === 'bad_signature') throw new ServiceTokenError('bad_signature');
        throw new ServiceTokenError('malformed');
      }
      if (err instanceof SyntaxError) throw new ServiceTokenError('malformed');
      if (err instanceof errors.JWKSNoMatchingKey) throw new ServiceTokenError('bad_signature');
      // A remote JWKS that times out, answers garbage or refuses the connection (a plain fetch TypeError).
      if (
        err instanceof errors.JWKSTimeout ||
        err instanceof errors.JWKSInvalid ||
        !(err instanceof errors.JOSEError)
      )
        throw new ServiceTokenError('keys_unavailable');
      throw new ServiceTokenError('malformed');
    }
    // exp - iat alone is not enough: a token "issued" an hour from now with a 60 s span would live an hour.
    const nowS = Math.floor(Date.now() / 1000);
    const tolerance = options.clockToleranceS ?? 5;
    if (
      (payload.exp ?? 0) - (payload.iat ?? 0) > MAX_SERVICE_TOKEN_TTL_S ||
      (payload.exp ?? 0) - nowS > MAX_SERVICE_TOKEN_TTL_S + tolerance
    )
      throw new ServiceTokenError('ttl_too_long');
    const principal = ZPrincipal.safeParse(payload.principal);
    if (!principal.success) throw new ServiceTokenError('bad_principal');
    return {
      issuer: iss as string,
      principal: principal.data,
      correlationId: typeof payload.correlation_id === 'string' ? payload.correlation_id : undefined,
      requestHash: typeof payload.request_hash === 'string' ? payload.request_hash : undefined,
      payload,
    };
  };
}

export type ServiceTokenVerifier = ReturnType<typeof createServiceTokenVerifier>;
