import { createHmac, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import * as jose from 'jose';
import { describe, expect, it } from 'vitest';
import { JwtError, signJwt, type VerifyJwtOptions, verifyJwt } from './jwt.ts';

const ed = () => generateKeyPairSync('ed25519');
const x = () => generateKeyPairSync('x25519');
const b64u = (v: string | Buffer) => Buffer.from(v).toString('base64url');

function failureOf(op: () => unknown): string {
  try {
    op();
  } catch (err) {
    if (err instanceof JwtError) return `${err.failure}${err.claim ? `:${err.claim}` : ''}`;
    return `other:${(err as Error).name}`;
  }
  return 'accepted';
}

/** A JWS made by hand with node:crypto, for headers and payloads no library would produce. */
function forge(header: Record<string, unknown>, payload: string, privateKey: KeyObject): string {
  const input = `${b64u(JSON.stringify(header))}.${b64u(payload)}`;
  return `${input}.${b64u(sign(null, Buffer.from(input), privateKey))}`;
}

describe('EdDSA JWTs (fast-jwt)', () => {
  it('interoperates with jose both ways', async () => {
    const { privateKey, publicKey } = ed();
    const now = Math.floor(Date.now() / 1000);
    const ours = signJwt({ iss: 'pp', aud: 'plant', iat: now, exp: now + 30, n: 1 }, privateKey, 'k1');
    const theirs = await jose.jwtVerify(ours, publicKey, {
      issuer: 'pp',
      audience: 'plant',
      algorithms: ['EdDSA'],
    });
    expect(theirs.payload.n).toBe(1);
    expect(theirs.protectedHeader).toEqual({ alg: 'EdDSA', kid: 'k1', typ: 'JWT' });

    const pair = await jose.generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const joseToken = await new jose.SignJWT({ n: 2 })
      .setProtectedHeader({ alg: 'EdDSA' })
      .setIssuer('gw')
      .setAudience(['plant', 'other'])
      .setIssuedAt()
      .setExpirationTime('30s')
      .sign(pair.privateKey);
    // A CryptoKey, a KeyObject and a JWK for the same key all verify.
    const jwk = await jose.exportJWK(pair.publicKey);
    for (const key of [pair.publicKey, jwk]) {
      const { payload } = verifyJwt(joseToken, key, { issuer: 'gw', audience: 'plant' });
      expect(payload.n).toBe(2);
    }
  });

  it('states the algorithm itself: a caller passes claims and a kid, never a header', () => {
    const { privateKey, publicKey } = ed();
    const token = signJwt({ a: 1, alg: 'none' }, privateKey);
    const { header, payload } = verifyJwt(token, publicKey);
    expect(header).toEqual({ alg: 'EdDSA', typ: 'JWT' });
    expect(payload.a).toBe(1);
  });

  it('refuses other algorithms, extensions, tampering, the wrong key and malformed input', () => {
    const { privateKey, publicKey } = ed();
    const token = signJwt({ role: 'viewer' }, privateKey);
    const [h, p, s] = token.split('.') as [string, string, string];
    const admin = b64u(JSON.stringify({ role: 'admin' }));
    expect(failureOf(() => verifyJwt(token, publicKey))).toBe('accepted');
    expect(failureOf(() => verifyJwt(`${h}.${admin}.${s}`, publicKey))).toBe('bad_signature');
    expect(failureOf(() => verifyJwt(token, ed().publicKey))).toBe('bad_signature');
    expect(failureOf(() => verifyJwt(`${h}.${p}.${s.slice(0, -4)}`, publicKey))).toBe('bad_signature');
    expect(failureOf(() => verifyJwt(`${h}.${p}.`, publicKey))).toBe('bad_signature');
    for (const header of [{ alg: 'none' }, { alg: 'HS256' }, { alg: 'ES256' }, {}]) {
      const forged = `${b64u(JSON.stringify(header))}.${p}.${s}`;
      expect(failureOf(() => verifyJwt(forged, publicKey))).toBe('unsupported');
    }
    // alg none with no signature at all (fast-jwt refuses a missing signature before it reads alg), and HS256
    // keyed with the public key: the classic algorithm confusion.
    expect(failureOf(() => verifyJwt(`${b64u('{"alg":"none"}')}.${p}.`, publicKey))).toBe('bad_signature');
    const spki = publicKey.export({ type: 'spki', format: 'pem' });
    const hsInput = `${b64u('{"alg":"HS256","typ":"JWT"}')}.${p}`;
    const confused = `${hsInput}.${b64u(createHmac('sha256', spki).update(hsInput).digest())}`;
    expect(failureOf(() => verifyJwt(confused, publicKey))).toBe('unsupported');
    for (const extension of [{ crit: ['exp'], exp: 1 }, { crit: [] }, { crit: '' }, { b64: false }]) {
      const forged = forge({ alg: 'EdDSA', ...extension }, '{"a":1}', privateKey);
      expect(failureOf(() => verifyJwt(forged, publicKey))).toBe('unsupported');
    }
    for (const bad of [undefined, 42, '', 'a.b', `${h}.${p}.${s}.x`, `${h}!.${p}.${s}`, `W10.${p}.${s}`]) {
      expect(failureOf(() => verifyJwt(bad, publicKey))).toBe('malformed');
    }
    // Validly signed, but the payload is not a JSON object.
    expect(failureOf(() => verifyJwt(forge({ alg: 'EdDSA' }, '[1]', privateKey), publicKey))).toBe(
      'malformed',
    );
    expect(failureOf(() => verifyJwt(forge({ alg: 'EdDSA' }, 'nope', privateKey), publicKey))).toBe(
      'malformed',
    );
    // Keys of the wrong curve or kind are a programming error, not a verdict on the token.
    expect(failureOf(() => verifyJwt(token, x().publicKey))).toBe('other:TypeError');
    expect(failureOf(() => signJwt({}, publicKey))).toBe('other:TypeError');
    expect(failureOf(() => signJwt({}, x().privateKey))).toBe('other:TypeError');
  });

  it('checks registered claims with clock tolerance (fast-jwt compares in milliseconds)', () => {
    const { privateKey, publicKey } = ed();
    const now = 1_800_000_000;
    const at = new Date(now * 1000);
    const verify = (claims: Record<string, unknown>, options: VerifyJwtOptions = {}) =>
      failureOf(() => verifyJwt(signJwt(claims, privateKey), publicKey, { currentDate: at, ...options }));
    // fast-jwt will not sign a non-numeric exp, and adds an iat where there is none: those are made by hand.
    const verifyForged = (claims: Record<string, unknown>, options: VerifyJwtOptions = {}) =>
      failureOf(() =>
        verifyJwt(forge({ alg: 'EdDSA' }, JSON.stringify(claims), privateKey), publicKey, {
          currentDate: at,
          ...options,
        }),
      );
    expect(verify({ exp: now + 1 })).toBe('accepted');
    // Valid up to the millisecond of exp (RFC 7519: before it), refused from the next one.
    expect(verify({ exp: now }, { currentDate: new Date(now * 1000 + 1) })).toBe('expired');
    expect(verify({ exp: now - 1 })).toBe('expired');
    expect(verify({ exp: now - 4 }, { clockTolerance: 5 })).toBe('accepted');
    expect(verify({ exp: now - 6 }, { clockTolerance: 5 })).toBe('expired');
    expect(verifyForged({ exp: String(now + 10) })).toBe('claim_invalid:exp');
    expect(verifyForged({ iat: 'yesterday' })).toBe('claim_invalid:iat');
    expect(verify({ nbf: now + 1 })).toBe('claim_invalid:nbf');
    expect(verify({ nbf: now + 5 }, { clockTolerance: 5 })).toBe('accepted');
    expect(verify({ iss: 'cp' }, { issuer: 'pp' })).toBe('claim_invalid:iss');
    expect(verify({}, { issuer: 'pp' })).toBe('claim_invalid:iss');
    expect(verify({ aud: 'gw' }, { audience: 'plant' })).toBe('claim_invalid:aud');
    expect(verify({ aud: ['gw', 'plant'] }, { audience: 'plant' })).toBe('accepted');
    expect(verify({ aud: ['gw'] }, { audience: 'plant' })).toBe('claim_invalid:aud');
    expect(verify({}, { audience: 'plant' })).toBe('claim_invalid:aud');
    expect(verify({ iat: now }, { requiredClaims: ['iat', 'jti'] })).toBe('claim_invalid:jti');
    expect(verifyForged({}, { maxTokenAge: 60 })).toBe('claim_invalid:iat');
    expect(verify({ iat: now - 60 }, { maxTokenAge: 60 })).toBe('accepted');
    expect(verify({ iat: now - 61 }, { maxTokenAge: 60 })).toBe('expired');
    expect(verify({ iat: now - 65 }, { maxTokenAge: 60, clockTolerance: 5 })).toBe('accepted');
    expect(verify({ iat: now + 6 }, { maxTokenAge: 60, clockTolerance: 5 })).toBe('claim_invalid:iat');
  });

  it('never puts a claim value in an error', () => {
    const { privateKey, publicKey } = ed();
    const canary = 'CANARY-secret-value-7d1f';
    for (const token of [
      signJwt({ api_secret: canary, exp: 1 }, privateKey),
      signJwt({ api_secret: canary, aud: 'other' }, privateKey),
      forge({ alg: 'EdDSA' }, JSON.stringify(canary), privateKey),
    ]) {
      const err = (() => {
        try {
          verifyJwt(token, publicKey, { audience: 'plant' });
        } catch (e) {
          return e as Error;
        }
      })();
      expect(err).toBeInstanceOf(JwtError);
      expect(`${err?.message} ${JSON.stringify(err)} ${String(err?.cause)}`).not.toContain(canary);
    }
  });
});
