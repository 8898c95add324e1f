import { type ServiceKeys, signServiceToken } from '@delta/service-auth';
import type { Caller } from './caller-auth.ts';

/** The one request binding (METHOD \n path-with-query \n body), shared with the portals and Plant. */
export { requestHash } from '@delta/service-auth';

export const IDENTITY_ASSERTION_HEADER = 'x-identity-assertion';
export const GATEWAY_ISSUER = 'plant-gateway';
export const PLANT_AUDIENCE = 'plant';
export const ASSERTION_TTL_S = 30;

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
