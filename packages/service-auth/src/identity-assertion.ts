import type { TPrincipal } from '@delta/contracts';
import type { ServiceKeys } from './keys.ts';
import { requestHash } from './request-binding.ts';
import {
  createServiceTokenVerifier,
  type IssuerKeys,
  ServiceTokenError,
  signServiceToken,
  type VerifiedServiceToken,
} from './tokens.ts';

/**
 * The gateway's identity assertion to Plant — "this request, exactly, comes from this principal via this
 * portal" — defined once: the gateway signs it with signIdentityAssertion, Plant checks it with
 * verifyIdentityAssertion and assertionBindsRequest. Plant never sees a portal's token, only this.
 */
export const IDENTITY_ASSERTION_HEADER = 'x-identity-assertion';
export const GATEWAY_ISSUER = 'plant-gateway';
export const PLANT_AUDIENCE = 'plant';
export const ASSERTION_TTL_S = 30;

export interface IdentityAssertion {
  principal: TPrincipal;
  /** The request's correlation id, which the gateway also sends as X-Correlation-ID. */
  correlationId: string;
  /** requestHash(METHOD, path-with-query, body) of the request as forwarded (request-binding.ts). */
  requestHash: string;
}

/** Gateway side: the assertion for one forwarded request, signed with the gateway's keys, for Plant. */
export function signIdentityAssertion(keys: ServiceKeys, assertion: IdentityAssertion): Promise<string> {
  return signServiceToken(
    keys,
    {
      iss: GATEWAY_ISSUER,
      aud: PLANT_AUDIENCE,
      principal: assertion.principal,
      correlation_id: assertion.correlationId,
      request_hash: assertion.requestHash,
    },
    ASSERTION_TTL_S,
  );
}

/** Verifies one assertion's signature and claims; throws ServiceTokenError. Built by createGatewayIdentityVerifier. */
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

/** A verified assertion that is known to carry a request hash. */
export type VerifiedIdentityAssertion = VerifiedServiceToken & { requestHash: string };

/**
 * Plant side, before the body is read: verifies the assertion and that it speaks for this request — from the
 * gateway, for Plant, with the request's correlation id, and bound to a request hash. Throws ServiceTokenError
 * (the verifier's failures, `untrusted_issuer`, `correlation_mismatch`, `request_hash_missing`).
 */
export async function verifyIdentityAssertion(
  verify: IdentityVerifier,
  token: string | undefined,
  request: { correlationId: string },
): Promise<VerifiedIdentityAssertion> {
  const verified = await verify(token);
  // Belt and braces in case a verifier trusting someone else was passed in: only the gateway speaks for callers.
  const aud = verified.payload.aud;
  const audiences = Array.isArray(aud) ? aud : [aud];
  if (verified.issuer !== GATEWAY_ISSUER || !audiences.includes(PLANT_AUDIENCE))
    throw new ServiceTokenError('untrusted_issuer');
  // The gateway sends the id in both places; a mismatch means the assertion was lifted from another request.
  if (verified.correlationId !== request.correlationId) throw new ServiceTokenError('correlation_mismatch');
  if (verified.requestHash === undefined) throw new ServiceTokenError('request_hash_missing');
  return verified as VerifiedIdentityAssertion;
}

/** Plant side, once the body is read: whether the assertion is bound to exactly the bytes Plant received. */
export function assertionBindsRequest(
  verified: VerifiedIdentityAssertion,
  method: string,
  pathWithQuery: string,
  body: Buffer | Uint8Array | string | undefined,
): boolean {
  return requestHash(method, pathWithQuery, body) === verified.requestHash;
}
