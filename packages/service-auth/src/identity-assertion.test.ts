import type { TPrincipal } from '@delta/contracts';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ASSERTION_TTL_S,
  assertionBindsRequest,
  createGatewayIdentityVerifier,
  GATEWAY_ISSUER,
  type IdentityVerifier,
  PLANT_AUDIENCE,
  signIdentityAssertion,
  verifyIdentityAssertion,
} from './identity-assertion.ts';
import { ephemeralServiceKeys, publicJwks, type ServiceKeys } from './keys.ts';
import { requestHash } from './request-binding.ts';
import { createServiceTokenVerifier, ServiceTokenError, signServiceToken } from './tokens.ts';

const customer: TPrincipal = { kind: 'customer', customer_id: 'cus_1', user_id: 'u_1' };
const CID = '00000000-0000-4000-8000-00000000000a';
const BODY = '{"a":1}';
const HASH = requestHash('POST', '/api/v1/x?y=1', BODY);

let gateway: ServiceKeys;
let verify: IdentityVerifier;
beforeAll(async () => {
  gateway = await ephemeralServiceKeys(GATEWAY_ISSUER);
  verify = createGatewayIdentityVerifier({ jwks: publicJwks(gateway) });
});

async function failureOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ServiceTokenError) return err.failure;
    throw err;
  }
  return 'accepted';
}

describe('identity assertion (gateway → Plant)', () => {
  it('is signed by the gateway for Plant, for 30 s, bound to the principal, correlation id and request', async () => {
    const token = await signIdentityAssertion(gateway, {
      principal: customer,
      correlationId: CID,
      requestHash: HASH,
    });
    const verified = await verifyIdentityAssertion(verify, token, { correlationId: CID });
    expect(verified).toMatchObject({ issuer: 'plant-gateway', principal: customer, correlationId: CID });
    expect(verified.payload).toMatchObject({ iss: GATEWAY_ISSUER, aud: PLANT_AUDIENCE, request_hash: HASH });
    expect(verified.payload.exp! - verified.payload.iat!).toBe(ASSERTION_TTL_S);
    expect(assertionBindsRequest(verified, 'POST', '/api/v1/x?y=1', Buffer.from(BODY))).toBe(true);
    expect(assertionBindsRequest(verified, 'POST', '/api/v1/x?y=2', BODY)).toBe(false);
    expect(assertionBindsRequest(verified, 'PUT', '/api/v1/x?y=1', BODY)).toBe(false);
    expect(assertionBindsRequest(verified, 'POST', '/api/v1/x?y=1', '{"a": 1}')).toBe(false);
  });

  it('refuses another correlation id, a missing request hash, and anyone but the gateway', async () => {
    const token = await signIdentityAssertion(gateway, {
      principal: customer,
      correlationId: CID,
      requestHash: HASH,
    });
    expect(await failureOf(verifyIdentityAssertion(verify, token, { correlationId: 'other' }))).toBe(
      'correlation_mismatch',
    );
    expect(await failureOf(verifyIdentityAssertion(verify, undefined, { correlationId: CID }))).toBe(
      'missing',
    );
    const unbound = await signServiceToken(gateway, {
      iss: GATEWAY_ISSUER,
      aud: PLANT_AUDIENCE,
      principal: customer,
      correlation_id: CID,
    });
    expect(await failureOf(verifyIdentityAssertion(verify, unbound, { correlationId: CID }))).toBe(
      'request_hash_missing',
    );
    // A verifier that (wrongly) trusts a portal for audience plant: the assertion check still refuses it.
    const pp = await ephemeralServiceKeys('pp');
    const trustsPp = createServiceTokenVerifier({
      audience: PLANT_AUDIENCE,
      issuers: { pp: { jwks: publicJwks(pp) } },
    });
    const fromPp = await signServiceToken(pp, {
      iss: 'pp',
      aud: PLANT_AUDIENCE,
      principal: { kind: 'ops', user_id: 'usr_x', role: 'admin' },
      correlation_id: CID,
      request_hash: HASH,
    });
    expect(await failureOf(verifyIdentityAssertion(trustsPp, fromPp, { correlationId: CID }))).toBe(
      'untrusted_issuer',
    );
    expect(await failureOf(verifyIdentityAssertion(verify, fromPp, { correlationId: CID }))).toBe(
      'untrusted_issuer',
    );
  });
});
