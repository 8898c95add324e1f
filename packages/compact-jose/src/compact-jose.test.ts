import { createPrivateKey, generateKeyPairSync, type JsonWebKey, KeyObject } from 'node:crypto';
import * as jose from 'jose';
import { describe, expect, it } from 'vitest';
import { b64u } from './encoding.ts';
import { concatKdf, decryptCompact, encryptCompact, JweError } from './jwe.ts';
import { JwtError, signJws, signJwt, verifyJws, verifyJwt } from './jws.ts';
import { keyObject } from './keys.ts';

const ed = () => generateKeyPairSync('ed25519');
const x = () => generateKeyPairSync('x25519');

async function failureOf(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    if (err instanceof JwtError) return `${err.failure}${err.claim ? `:${err.claim}` : ''}`;
    if (err instanceof JweError) return err.failure;
    return `other:${(err as Error).name}`;
  }
  return 'accepted';
}

function reencode(token: string, part: number, edit: (o: Record<string, unknown>) => void): string {
  const parts = token.split('.');
  const o = JSON.parse(Buffer.from(parts[part]!, 'base64url').toString());
  edit(o);
  parts[part] = b64u(JSON.stringify(o));
  return parts.join('.');
}

describe('EdDSA compact JWS', () => {
  it('matches RFC 8037 appendix A.4 byte for byte (Ed25519 is deterministic)', async () => {
    const jwk = {
      kty: 'OKP',
      crv: 'Ed25519',
      d: 'nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A',
      x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo',
    };
    const token = signJws('Example of Ed25519 signing', {}, jwk);
    expect(token).toBe(
      'eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg',
    );
    const { payload } = await verifyJws(token, { kty: 'OKP', crv: 'Ed25519', x: jwk.x });
    expect(payload.toString()).toBe('Example of Ed25519 signing');
  });

  it('interoperates with jose both ways', async () => {
    const { privateKey, publicKey } = ed();
    const now = Math.floor(Date.now() / 1000);
    const ours = signJwt(
      { iss: 'pp', aud: 'plant', iat: now, exp: now + 30, n: 1 },
      { kid: 'k1', typ: 'JWT' },
      privateKey,
    );
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
    const { payload } = await verifyJwt(joseToken, pair.publicKey, { issuer: 'gw', audience: 'plant' });
    expect(payload.n).toBe(2);
    // The same CryptoKey again comes from the conversion cache, and is still the right key.
    expect(keyObject(pair.publicKey, 'ed25519', 'public')).toBe(
      keyObject(pair.publicKey, 'ed25519', 'public'),
    );
  });

  it('refuses other algorithms, extensions, tampering, the wrong key and malformed input', async () => {
    const { privateKey, publicKey } = ed();
    const token = signJwt({ role: 'viewer' }, {}, privateKey);
    const [h, p, s] = token.split('.') as [string, string, string];
    const admin = b64u(JSON.stringify({ role: 'admin' }));
    expect(await failureOf(verifyJwt(token, publicKey))).toBe('accepted');
    expect(await failureOf(verifyJwt(`${h}.${admin}.${s}`, publicKey))).toBe('bad_signature');
    expect(await failureOf(verifyJwt(token, ed().publicKey))).toBe('bad_signature');
    expect(await failureOf(verifyJwt(`${h}.${p}.${s.slice(0, -4)}`, publicKey))).toBe('bad_signature');
    expect(await failureOf(verifyJwt(`${h}.${p}.`, publicKey))).toBe('bad_signature');
    for (const header of [{ alg: 'none' }, { alg: 'HS256' }, { alg: 'ES256' }, {}]) {
      const forged = `${b64u(JSON.stringify(header))}.${p}.${s}`;
      expect(await failureOf(verifyJwt(forged, publicKey))).toBe('unsupported');
    }
    const critical = signJwt({ a: 1 }, { crit: ['exp'] } as Record<string, unknown>, privateKey);
    expect(await failureOf(verifyJwt(critical, publicKey))).toBe('unsupported');
    const unencoded = signJwt({ a: 1 }, { b64: false } as Record<string, unknown>, privateKey);
    expect(await failureOf(verifyJwt(unencoded, publicKey))).toBe('unsupported');
    for (const bad of [undefined, 42, '', 'a.b', `${h}.${p}.${s}.x`, `${h}!.${p}.${s}`, `W10.${p}.${s}`]) {
      expect(await failureOf(verifyJwt(bad, publicKey))).toBe('malformed');
    }
    // Validly signed, but the payload is not a JSON object.
    expect(await failureOf(verifyJwt(signJws('[1]', {}, privateKey), publicKey))).toBe('malformed');
    expect(await failureOf(verifyJwt(signJws('nope', {}, privateKey), publicKey))).toBe('malformed');
    // Keys of the wrong curve or kind are a programming error, not a verdict on the token.
    expect(await failureOf(verifyJwt(token, x().publicKey))).toBe('other:TypeError');
    expect(await failureOf(() => signJwt({}, {}, publicKey))).toBe('other:TypeError');
  });

  it('states the algorithm itself, whatever header a caller passes', async () => {
    const { privateKey, publicKey } = ed();
    const token = signJwt({ a: 1 }, { alg: 'none', typ: 'JWT' } as Record<string, unknown>, privateKey);
    const { header } = await verifyJwt(token, publicKey);
    expect(header).toEqual({ alg: 'EdDSA', typ: 'JWT' });
    const jwe = encryptCompact('x', x().publicKey, { alg: 'dir', enc: 'A128GCM', zip: 'DEF' } as never);
    const jweHeader = JSON.parse(Buffer.from(jwe.split('.')[0]!, 'base64url').toString());
    expect(Object.keys(jweHeader).sort()).toEqual(['alg', 'enc', 'epk']);
    expect(jweHeader).toMatchObject({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM' });
  });

  it('resolves the key from the header, after the header is known to be EdDSA', async () => {
    const { privateKey, publicKey } = ed();
    const token = signJwt({ a: 1 }, { kid: 'abc' }, privateKey);
    const seen: unknown[] = [];
    await verifyJwt(token, (header) => {
      seen.push(header.kid);
      return publicKey;
    });
    expect(seen).toEqual(['abc']);
    const [, p, sig] = token.split('.');
    const forged = `${b64u(JSON.stringify({ alg: 'HS256', kid: 'abc' }))}.${p}.${sig}`;
    expect(
      await failureOf(
        verifyJwt(forged, () => {
          throw new Error('must not be asked');
        }),
      ),
    ).toBe('unsupported');
    const lookupFails = verifyJwt(token, () => {
      throw new RangeError('no such kid');
    });
    expect(await failureOf(lookupFails)).toBe('other:RangeError');
  });

  it('checks registered claims with clock tolerance', async () => {
    const { privateKey, publicKey } = ed();
    const now = 1_800_000_000;
    const at = new Date(now * 1000);
    const verify = (claims: Record<string, unknown>, options = {}) =>
      failureOf(verifyJwt(signJwt(claims, {}, privateKey), publicKey, { currentDate: at, ...options }));
    expect(await verify({ exp: now + 1 })).toBe('accepted');
    expect(await verify({ exp: now })).toBe('expired:exp');
    expect(await verify({ exp: now - 4 }, { clockTolerance: 5 })).toBe('accepted');
    expect(await verify({ exp: now - 5 }, { clockTolerance: 5 })).toBe('expired:exp');
    expect(await verify({ exp: String(now + 10) })).toBe('claim_invalid:exp');
    expect(await verify({ nbf: now + 1 })).toBe('claim_invalid:nbf');
    expect(await verify({ nbf: now + 5 }, { clockTolerance: 5 })).toBe('accepted');
    expect(await verify({ iss: 'cp' }, { issuer: 'pp' })).toBe('claim_invalid:iss');
    expect(await verify({}, { issuer: 'pp' })).toBe('claim_invalid:iss');
    expect(await verify({ aud: 'gw' }, { audience: 'plant' })).toBe('claim_invalid:aud');
    expect(await verify({ aud: ['gw', 'plant'] }, { audience: 'plant' })).toBe('accepted');
    expect(await verify({ aud: ['gw'] }, { audience: 'plant' })).toBe('claim_invalid:aud');
    expect(await verify({}, { audience: 'plant' })).toBe('claim_invalid:aud');
    expect(await verify({ iat: now }, { requiredClaims: ['iat', 'jti'] })).toBe('claim_invalid:jti');
    expect(await verify({}, { maxTokenAge: 60 })).toBe('claim_invalid:iat');
    expect(await verify({ iat: now - 60 }, { maxTokenAge: 60 })).toBe('accepted');
    expect(await verify({ iat: now - 61 }, { maxTokenAge: 60 })).toBe('expired:iat');
    expect(await verify({ iat: now - 65 }, { maxTokenAge: 60, clockTolerance: 5 })).toBe('accepted');
    expect(await verify({ iat: now + 6 }, { maxTokenAge: 60, clockTolerance: 5 })).toBe('claim_invalid:iat');
  });

  it('never puts a claim value in an error message', async () => {
    const { privateKey, publicKey } = ed();
    const canary = 'CANARY-secret-value-7d1f';
    const token = signJwt({ api_secret: canary, exp: 1 }, {}, privateKey);
    const err = await verifyJwt(token, publicKey).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(JwtError);
    expect(`${(err as Error).message} ${JSON.stringify(err)}`).not.toContain(canary);
  });
});

describe('ECDH-ES+A256KW / A256GCM compact JWE on X25519', () => {
  it("derives RFC 7518 appendix C's Concat KDF example", () => {
    const z = Buffer.from([
      158, 86, 217, 29, 129, 113, 53, 211, 114, 131, 66, 131, 191, 132, 38, 156, 251, 49, 110, 163, 218, 128,
      106, 72, 246, 218, 167, 121, 140, 254, 144, 196,
    ]);
    const key = concatKdf(z, 'A128GCM', 128, Buffer.from('Alice'), Buffer.from('Bob'));
    expect(b64u(key)).toBe('VqqN6vgjbSBcIijNcacQGg');
  });

  it('interoperates with jose both ways, including agreement PartyUInfo/PartyVInfo', async () => {
    const { privateKey, publicKey } = x();
    const ours = encryptCompact('hello bundle', publicKey, { cty: 'JWT' });
    const opened = await jose.compactDecrypt(ours, privateKey);
    expect(new TextDecoder().decode(opened.plaintext)).toBe('hello bundle');
    expect(opened.protectedHeader).toMatchObject({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', cty: 'JWT' });

    const pair = await jose.generateKeyPair('ECDH-ES+A256KW', { crv: 'X25519', extractable: true });
    for (const params of [{}, { apu: Buffer.from('Alice'), apv: Buffer.from('Bob') }]) {
      const theirs = await new jose.CompactEncrypt(new TextEncoder().encode('from jose'))
        .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM' })
        .setKeyManagementParameters(params)
        .encrypt(pair.publicKey);
      const { plaintext } = decryptCompact(theirs, pair.privateKey);
      expect(plaintext.toString()).toBe('from jose');
    }
    // Keys given as JWKs work the same.
    const jwk = await jose.exportJWK(pair.privateKey);
    const { d: _d, ...pub } = jwk;
    const viaJwk = encryptCompact('jwk', pub as { kty: string });
    expect(decryptCompact(viaJwk, jwk as { kty: string }).plaintext.toString()).toBe('jwk');
  });

  it('uses a fresh ephemeral key, content key and IV every time', () => {
    const { publicKey } = x();
    const a = encryptCompact('same', publicKey).split('.');
    const b = encryptCompact('same', publicKey).split('.');
    for (const i of [0, 1, 2, 3]) expect(a[i]).not.toBe(b[i]);
  });

  it('fails closed on the wrong key and on any altered part', async () => {
    const { privateKey, publicKey } = x();
    const jwe = encryptCompact('the keys', publicKey, { cty: 'JWT' });
    expect(await failureOf(() => decryptCompact(jwe, x().privateKey))).toBe('decryption_failed');
    const parts = jwe.split('.');
    for (let i = 1; i < 5; i++) {
      const altered = [...parts];
      const bytes = Buffer.from(altered[i]!, 'base64url');
      bytes[0] = (bytes[0] ?? 0) ^ 1;
      altered[i] = b64u(bytes);
      expect(await failureOf(() => decryptCompact(altered.join('.'), privateKey))).toBe('decryption_failed');
    }
    // A header edit changes the GCM additional data, even when the key agreement still works.
    expect(
      await failureOf(() =>
        decryptCompact(
          reencode(jwe, 0, (h) => (h.cty = 'x')),
          privateKey,
        ),
      ),
    ).toBe('decryption_failed');
    // Another party's ephemeral key: the agreement gives another KEK, so the unwrap fails.
    const otherEpk = (
      await jose.exportJWK(
        (
          await jose.generateKeyPair('ECDH-ES', { crv: 'X25519', extractable: true })
        ).publicKey,
      )
    ).x;
    expect(
      await failureOf(() =>
        decryptCompact(
          reencode(jwe, 0, (h) => {
            (h.epk as Record<string, unknown>).x = otherEpk;
          }),
          privateKey,
        ),
      ),
    ).toBe('decryption_failed');
    // A small-order (all-zero) ephemeral point gives an all-zero secret, which is refused.
    const zero = reencode(jwe, 0, (h) => {
      (h.epk as Record<string, unknown>).x = b64u(Buffer.alloc(32));
    });
    expect(await failureOf(() => decryptCompact(zero, privateKey))).toBe('decryption_failed');
  });

  it('refuses other suites, compression, critical extensions and malformed input', async () => {
    const { privateKey, publicKey } = x();
    const jwe = encryptCompact('x', publicKey);
    for (const edit of [
      (h: Record<string, unknown>) => (h.alg = 'ECDH-ES'),
      (h: Record<string, unknown>) => (h.alg = 'RSA-OAEP'),
      (h: Record<string, unknown>) => (h.enc = 'A128GCM'),
      (h: Record<string, unknown>) => (h.zip = 'DEF'),
      (h: Record<string, unknown>) => (h.crit = ['exp']),
      (h: Record<string, unknown>) => ((h.epk as Record<string, unknown>).crv = 'X448'),
      (h: Record<string, unknown>) => ((h.epk as Record<string, unknown>).kty = 'EC'),
      (h: Record<string, unknown>) => delete h.epk,
    ]) {
      expect(await failureOf(() => decryptCompact(reencode(jwe, 0, edit), privateKey))).toBe('unsupported');
    }
    // jose's direct ECDH-ES (no key wrap) is another suite.
    const direct = await new jose.CompactEncrypt(new TextEncoder().encode('x'))
      .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM' })
      .encrypt(publicKey);
    expect(await failureOf(() => decryptCompact(direct, privateKey))).toBe('unsupported');
    for (const bad of [undefined, '', 'a.b.c.d', `${jwe}.x`, jwe.replace('.', '.!')]) {
      expect(await failureOf(() => decryptCompact(bad, privateKey))).toBe('malformed');
    }
    expect(await failureOf(() => decryptCompact(jwe, publicKey))).toBe('other:TypeError');
    expect(await failureOf(() => encryptCompact('x', ed().publicKey))).toBe('other:TypeError');
  });

  it('accepts a KeyObject, a CryptoKey and a JWK for the same key', async () => {
    const pair = await jose.generateKeyPair('ECDH-ES+A256KW', { crv: 'X25519', extractable: true });
    const jwk = await jose.exportJWK(pair.privateKey);
    const asObject = createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' });
    expect(asObject).toBeInstanceOf(KeyObject);
    const jwe = encryptCompact('k', pair.publicKey);
    for (const key of [pair.privateKey, asObject, jwk as { kty: string }]) {
      expect(decryptCompact(jwe, key).plaintext.toString()).toBe('k');
    }
  });
});
