import { createHmac, KeyObject, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { TPrincipal } from '@delta/contracts';
import { importJWK, jwtVerify, SignJWT } from 'jose';
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

  it('signs {alg: EdDSA, typ: JWT, kid} that jose verifies, and accepts what jose signs', async () => {
    const token = await signServiceToken(pp, { iss: 'pp', aud: 'plant-gateway', principal: ops });
    const { protectedHeader, payload } = await jwtVerify(
      token,
      await importJWK(pp.signing.publicJwk, 'EdDSA'),
      {
        issuer: 'pp',
        audience: 'plant-gateway',
        algorithms: ['EdDSA'],
      },
    );
    expect(protectedHeader).toEqual({ alg: 'EdDSA', typ: 'JWT', kid: pp.signing.kid });
    expect(payload).toMatchObject({ iss: 'pp', aud: 'plant-gateway', principal: ops, sub: 'usr_1' });
    const now = Math.floor(Date.now() / 1000);
    expect(await failureOf(await handMade(pp, { principal: ops }, now, now + 30))).toBe('accepted');
  });

  it('refuses any algorithm but EdDSA, crit and b64 headers, and a kid naming a key that is not for signing', async () => {
    const token = await signServiceToken(pp, { iss: 'pp', aud: 'plant-gateway', principal: ops });
    const [, p, s] = token.split('.') as [string, string, string];
    const b64u = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const kid = pp.signing.kid;
    for (const alg of ['none', 'HS256', 'ES256', 'EdDSA25519', undefined]) {
      expect(await failureOf(`${b64u({ alg, kid })}.${p}.${s}`)).toBe('malformed');
    }
    expect(await failureOf(`${b64u({ alg: 'none' })}.${p}.`)).toBe('malformed');
    // HS256 keyed with the issuer's public key, as published in its JWKS: the algorithm-confusion forgery.
    const hsInput = `${b64u({ alg: 'HS256', kid })}.${p}`;
    for (const secret of [JSON.stringify(pp.signing.publicJwk), pp.signing.publicJwk.x!]) {
      const mac = createHmac('sha256', secret).update(hsInput).digest('base64url');
      expect(await failureOf(`${hsInput}.${mac}`)).toBe('malformed');
    }
    const forge = (header: Record<string, unknown>) => {
      const input = `${b64u(header)}.${p}`;
      const sig = sign(null, Buffer.from(input), KeyObject.from(pp.signing.privateKey));
      return `${input}.${sig.toString('base64url')}`;
    };
    expect(await failureOf(forge({ alg: 'EdDSA', kid }))).toBe('accepted');
    expect(await failureOf(forge({ alg: 'EdDSA', kid, crit: ['exp'] }))).toBe('malformed');
    expect(await failureOf(forge({ alg: 'EdDSA', kid, b64: false }))).toBe('malformed');
    // The JWKS also publishes the X25519 encryption key: a token pointing at it finds no signing key.
    expect(await failureOf(forge({ alg: 'EdDSA', kid: pp.encryption.kid }))).toBe('bad_signature');
  });

  it('refuses a token without an audience or a jti, and accepts an audience list that names ours', async () => {
    const now = Math.floor(Date.now() / 1000);
    const made = (edit: (jwt: SignJWT) => SignJWT) =>
      edit(
        new SignJWT({ principal: ops })
          .setProtectedHeader({ alg: 'EdDSA', kid: pp.signing.kid })
          .setIssuer('pp')
          .setIssuedAt(now)
          .setExpirationTime(now + 30),
      ).sign(pp.signing.privateKey);
    const jti = () => crypto.randomUUID();
    expect(await failureOf(await made((t) => t.setJti(jti())))).toBe('wrong_audience');
    expect(await failureOf(await made((t) => t.setAudience('plant-gateway')))).toBe('malformed');
    expect(await failureOf(await made((t) => t.setJti(jti()).setAudience(['x', 'plant-gateway'])))).toBe(
      'accepted',
    );
    expect(await failureOf(await made((t) => t.setJti(jti()).setAudience(['x', 'plant'])))).toBe(
      'wrong_audience',
    );
  });

  it('never puts a claim value in its error', async () => {
    const canary = 'CANARY-service-token-5e2b';
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: 'pp', aud: 'plant-gateway', principal: ops, correlation_id: canary };
    for (const token of [
      await signServiceToken(pp, claims, 30, now - 120),
      await signServiceToken(pp, { ...claims, aud: canary }),
    ]) {
      const err = await verify(token).catch((e: unknown) => e as Error);
      expect(err).toBeInstanceOf(ServiceTokenError);
      expect(
        `${(err as Error).message} ${JSON.stringify(err)} ${String((err as Error).cause)}`,
      ).not.toContain(canary);
    }
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
