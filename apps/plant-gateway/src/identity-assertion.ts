import { createHash } from 'node:crypto';
import { type ServiceKeys, signServiceToken } from '@delta/service-auth';
import type { Caller } from './caller-auth.ts';

export const IDENTITY_ASSERTION_HEADER = 'x-identity-assertion';
export const GATEWAY_ISSUER = 'plant-gateway';
export const PLANT_AUDIENCE = 'plant';
export const ASSERTION_TTL_S = 30;

/** sha256 hex of `METHOD \n path-with-query \n body` — the same binding Plant recomputes from what it received. */
export function requestHash(method: string, pathWithQuery: string, body: Buffer | undefined): string {
  return createHash('sha256')
    .update(`${method.toUpperCase()}\n${pathWithQuery}\n`)
    .update(body ?? Buffer.alloc(0))
    .digest('hex');
}

/** The gateway's statement to Plant: "this request, exactly, comes from this principal via this portal". */
export function signIdentityAssertion(
  keys: ServiceKeys,
  caller: Caller,
  correlationId: string,
  hash: string,
): Promise<string> {
  return signServiceToken(
    keys,
    {
      iss: GATEWAY_ISSUER,
      aud: PLANT_AUDIENCE,
      principal: caller.principal,
      correlation_id: correlationId,
      request_hash: hash,
    },
    ASSERTION_TTL_S,
  );
}
