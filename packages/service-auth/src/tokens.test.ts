import { createServer, type Server } from 'node:http';
import type { TPrincipal } from '@delta/contracts';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ephemeralServiceKeys, publicJwks, type ServiceKeys } from './keys.ts';
import { createServiceTokenVerifier, ServiceTokenError, signServiceToken } from './tokens.ts';

const ops: TPrincipal = { kind: 'ops', user_id: 'usr_1', role: 'operator' };
let pp: ServiceKeys;
let stranger: ServiceKeys;
let verify: ReturnType<typeof createServiceTokenVerifier>;

beforeAll(async () => {
  [pp, stranger] = await Promise.all([ephemeralServiceKeys('pp'), ephemeralServiceKeys('pp')]);
  verify = createServiceTokenVerifier({
    audience: 'plant-gateway',
    issuers: { pp: { jwks: publicJwks(pp) } },
  });
});

async function failureOf(token: string | undefined, v = verify): Promise<string> {
  try {
    await v(token);
  } catch (err) {
    if (err instanceof ServiceTokenError) return err.failure;
    throw err;
  }
  return 'accepted';
}

/** A token built by hand, for claims signServiceToken refuses to produce. */
function handMade(keys: ServiceKeys, payload: Record<string, unknown>, iat: number, exp: number) {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'EdDSA', kid: keys.signing.kid })
    .setIssuer('pp')
    .setAudience('plant-gateway')
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .setJti(crypto.randomUUID())
    .sign(keys.signing.privateKey);
}

describe('service tokens', () => {
  it('round-trips issuer, principal, correlation id and request hash', async () => {
    const token = await signServiceToken(pp, {
      iss: 'pp',
      aud: 'plant-gateway',
      principal: ops,
      correlation_id: 'corr-12345678',
      request_hash: 'ab'.repeat(32),
    });
    const v = await verify(token);
    expect(v).toMatchObject({
      issuer: 'pp',
      principal: ops,
      correlationId: 'corr-12345678',
      requestHash: 'ab'.repeat(32),
    });
  });

  it('refuses missing, expired, wrong-audience, untrusted-issuer and tampered tokens', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: 'pp', aud: 'plant-gateway', principal: ops };
    const expired = await signServiceToken(pp, claims, 30, now - 120);
    const otherAud = await signServiceToken(pp, { ...claims, aud: 'plant' });
    const otherIss = await signServiceToken(pp, { ...claims, iss: 'cp' });
    const wrongKey = await signServiceToken(stranger, claims);
    const [h, p, s] = (await signServiceToken(pp, claims)).split('.');
    const admin = Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(p!, 'base64url').toString()),
        principal: { ...ops, role: 'admin' },
      }),
    ).toString('base64url');
    expect(await failureOf(undefined)).toBe('missing');
    expect(await failureOf('not-a-jwt')).toBe('malformed');
    expect(await failureOf(expired)).toBe('expired');
    expect(await failureOf(otherAud)).toBe('wrong_audience');
    expect(await failureOf(otherIss)).toBe('untrusted_issuer');
    expect(await failureOf(wrongKey)).toBe('bad_signature');
    expect(await failureOf(`${h}.${admin}.${s}`)).toBe('bad_signature');
  });

  it('refuses tokens living longer than 60 s, including ones "issued" in the future', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expect(
      signServiceToken(pp, { iss: 'pp', aud: 'plant-gateway', principal: ops }, 61),
    ).rejects.toThrow(/at most 60/);
    expect(await failureOf(await handMade(pp, { principal: ops }, now, now + 120))).toBe('ttl_too_long');
    expect(await failureOf(await handMade(pp, { principal: ops }, now + 3600, now + 3660))).toBe(
      'ttl_too_long',
    );
  });

  it('refuses a missing or malformed principal, and will not sign one', async () => {
    const now = Math.floor(Date.now() / 1000);
    const bad = { kind: 'ops', user_id: 'u', role: 'root' };
    expect(await failureOf(await handMade(pp, { principal: bad }, now, now + 30))).toBe('bad_principal');
    expect(await failureOf(await handMade(pp, {}, now, now + 30))).toBe('bad_principal');
    await expect(
      signServiceToken(pp, { iss: 'pp', aud: 'x', principal: bad as unknown as TPrincipal }),
    ).rejects.toThrow();
  });

  describe('with a remote JWKS', () => {
    let server: Server;
    let url: string;
    beforeAll(async () => {
      server = createServer((_req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(publicJwks(pp)));
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const addr = server.address();
      url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/.well-known/jwks.json`;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    it('fetches keys over HTTP, and reports keys_unavailable (not a bad token) when it cannot', async () => {
      const token = await signServiceToken(pp, { iss: 'pp', aud: 'plant-gateway', principal: ops });
      const remote = createServiceTokenVerifier({
        audience: 'plant-gateway',
        issuers: { pp: { jwksUrl: url } },
      });
      expect((await remote(token)).issuer).toBe('pp');
      const closed = createServiceTokenVerifier({
        audience: 'plant-gateway',
        issuers: { pp: { jwksUrl: 'http://127.0.0.1:1/.well-known/jwks.json' } },
      });
      expect(await failureOf(token, closed)).toBe('keys_unavailable');
    });
  });
});
