import { KeyObject, sign } from 'node:crypto';
import { inspect } from 'node:util';
import { CompactEncrypt, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type BundleKeyPair,
  exportKeyJwk,
  generateEncryptionKeyPair,
  generateSigningKeyPair,
  importEncryptionJwk,
  importSigningJwk,
  type JWK,
} from './bundle-keys.ts';
import {
  issueCredentialBundle,
  type OpenCredentialBundleOptions,
  openCredentialBundle,
} from './credential-bundle.ts';
import { ExchangeCredential } from './exchange-credential.ts';
import { newCredentialRef } from './ids.ts';

const SECRET = { api_key: 'BUNDLEKEYcanary1234', api_secret: 'BUNDLESECRETcanary5678abcd' };
const credential = new ExchangeCredential(SECRET);
const APPROVAL = 'apr_aaaaaaaaaaaaaaaaaaaaaaaaaa';
const CRED = newCredentialRef('pp');
const T0 = new Date('2030-06-01T12:00:00.000Z');

let plant: BundleKeyPair;
let plantPublicJwk: JWK;
let pp: BundleKeyPair;
let cp: BundleKeyPair;

beforeAll(async () => {
  plant = await generateEncryptionKeyPair();
  plantPublicJwk = await exportKeyJwk(plant.publicKey);
  pp = await generateSigningKeyPair();
  cp = await generateSigningKeyPair();
});

function issue(overrides: Partial<Parameters<typeof issueCredentialBundle>[0]> = {}) {
  return issueCredentialBundle({
    credential,
    approvalId: APPROVAL,
    credentialRef: CRED,
    audience: 'plant',
    plantPublicJwk,
    ttlSeconds: 30,
    issuer: 'pp',
    issuerSigningKey: pp.privateKey,
    now: T0,
    ...overrides,
  });
}

function openOptions(overrides: Partial<OpenCredentialBundleOptions> = {}): OpenCredentialBundleOptions {
  return {
    plantPrivateKey: plant.privateKey,
    issuerPublicKeys: { pp: pp.publicKey, cp: cp.publicKey },
    expectedAudience: 'plant',
    expectedApprovalId: APPROVAL,
    expectedCredentialRef: CRED,
    clockToleranceSeconds: 2,
    now: new Date(T0.getTime() + 1_000),
    ...overrides,
  };
}

async function refusal(jwe: string, overrides: Partial<OpenCredentialBundleOptions>): Promise<string> {
  const err = await openCredentialBundle(jwe, openOptions(overrides)).then(
    () => 'opened',
    (e: unknown) => e,
  );
  // Whatever the refusal, the secret is not in the error.
  expect(`${inspect(err)} ${JSON.stringify(err)}`).not.toContain(SECRET.api_secret);
  return typeof err === 'string' ? err : (err as { reason: string }).reason;
}

describe('credential bundle', () => {
  it('round-trips: Plant gets the keys, bound to the approval and credential', async () => {
    const { credential_bundle, expires_at, jti } = await issue();
    expect(credential_bundle.split('.')).toHaveLength(5);
    expect(credential_bundle).not.toContain(SECRET.api_secret);
    expect(Buffer.from(credential_bundle.split('.')[0]!, 'base64url').toString()).toContain('ECDH-ES+A256KW');
    expect(expires_at.getTime() - T0.getTime()).toBe(30_000);
    const opened = await openCredentialBundle(credential_bundle, openOptions());
    expect(opened.credential.apiSecret).toBe(SECRET.api_secret);
    expect(opened).toMatchObject({ approval_id: APPROVAL, credential_ref: CRED, issuer: 'pp', jti });
    expect(JSON.stringify(opened)).not.toContain(SECRET.api_secret);
  });

  it('works with keys exported to JWK and imported again', async () => {
    const privateJwk = await exportKeyJwk(plant.privateKey);
    const ppPublic = await exportKeyJwk(pp.publicKey);
    const ppPrivate = await importSigningJwk(await exportKeyJwk(pp.privateKey));
    const { credential_bundle } = await issue({ issuerSigningKey: ppPrivate, plantPublicJwk });
    const opened = await openCredentialBundle(
      credential_bundle,
      openOptions({
        plantPrivateKey: await importEncryptionJwk(privateJwk),
        issuerPublicKeys: { pp: ppPublic },
      }),
    );
    expect(opened.credential.apiKey).toBe(SECRET.api_key);
    expect(plantPublicJwk).toMatchObject({ kty: 'OKP', crv: 'X25519', alg: 'ECDH-ES+A256KW' });
    expect(plantPublicJwk).not.toHaveProperty('d');
    await expect(importEncryptionJwk(ppPublic)).rejects.toThrow(/X25519/);
  });

  it('refuses an expired bundle (clock moved past exp + tolerance), but not within tolerance', async () => {
    const { credential_bundle } = await issue({ ttlSeconds: 10 });
    expect(await refusal(credential_bundle, { now: new Date(T0.getTime() + 13_000) })).toBe('bundle_expired');
    expect(await refusal(credential_bundle, { now: new Date(T0.getTime() + 11_000) })).toBe('opened');
  });

  it('refuses a bundle issued in the past (iat long ago)', async () => {
    const { credential_bundle } = await issue({ now: new Date(T0.getTime() - 120_000) });
    expect(await refusal(credential_bundle, {})).toBe('bundle_expired');
  });

  it('refuses the wrong audience, another approval, another credential', async () => {
    const { credential_bundle } = await issue();
    expect(await refusal(credential_bundle, { expectedAudience: 'pp' })).toBe('bundle_wrong_audience');
    expect(await refusal(credential_bundle, { expectedApprovalId: 'apr_bbbbbbbbbbbbbbbbbbbbbbbbbb' })).toBe(
      'bundle_wrong_approval',
    );
    expect(await refusal(credential_bundle, { expectedCredentialRef: newCredentialRef('pp') })).toBe(
      'bundle_wrong_credential',
    );
  });

  it('refuses a bundle signed by a portal that does not own the credential, or by an unknown key', async () => {
    const { credential_bundle } = await issue({ issuerSigningKey: cp.privateKey });
    expect(await refusal(credential_bundle, {})).toBe('bundle_signature_invalid');
    const cpRef = newCredentialRef('cp');
    const forCp = await issue({ credentialRef: cpRef, issuer: 'cp', issuerSigningKey: cp.privateKey });
    expect(
      await refusal(forCp.credential_bundle, {
        expectedCredentialRef: cpRef,
        issuerPublicKeys: { pp: pp.publicKey },
      }),
    ).toBe('bundle_wrong_issuer');
    await expect(issue({ issuer: 'cp' })).rejects.toMatchObject({ reason: 'bundle_wrong_issuer' });
  });

  it('refuses a bundle for another Plant key and a tampered bundle', async () => {
    const other = await generateEncryptionKeyPair();
    const { credential_bundle } = await issue();
    expect(await refusal(credential_bundle, { plantPrivateKey: other.privateKey })).toBe(
      'bundle_undecryptable',
    );
    const parts = credential_bundle.split('.');
    const ct = Buffer.from(parts[3]!, 'base64url');
    ct[0] = ct[0]! ^ 1;
    parts[3] = ct.toString('base64url');
    expect(await refusal(parts.join('.'), {})).toBe('bundle_undecryptable');
  });

  it.each([61, 3600, 0, -1, 1.5])('the issuer refuses a TTL of %s s', async (ttl) => {
    await expect(issue({ ttlSeconds: ttl })).rejects.toMatchObject({ reason: 'bundle_ttl_invalid' });
  });

  it('Plant refuses a validly signed bundle that lives longer than 60 s', async () => {
    // A misbehaving issuer built by hand: same keys and claims, but a 10-minute lifetime.
    const iat = Math.floor(T0.getTime() / 1000);
    const jws = await new SignJWT({ approval_id: APPROVAL, credential_ref: CRED, ...SECRET })
      .setProtectedHeader({ alg: 'EdDSA' })
      .setIssuer('pp')
      .setAudience('plant')
      .setIssuedAt(iat)
      .setExpirationTime(iat + 600)
      .setJti('x')
      .sign(pp.privateKey);
    const jwe = await new CompactEncrypt(new TextEncoder().encode(jws))
      .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', cty: 'JWT' })
      .encrypt(plant.publicKey);
    expect(await refusal(jwe, {})).toBe('bundle_ttl_too_long');
  });

  it('states its suite itself, with a fresh ephemeral key, content key and IV every time', async () => {
    const a = (await issue()).credential_bundle.split('.');
    const b = (await issue()).credential_bundle.split('.');
    const header = JSON.parse(Buffer.from(a[0]!, 'base64url').toString());
    expect(Object.keys(header).sort()).toEqual(['alg', 'cty', 'enc', 'epk']);
    expect(header).toMatchObject({
      alg: 'ECDH-ES+A256KW',
      enc: 'A256GCM',
      cty: 'JWT',
      epk: { crv: 'X25519' },
    });
    for (const i of [0, 1, 2, 3]) expect(a[i]).not.toBe(b[i]);
  });
});

/** Re-encodes the JWE's protected header after `edit`. */
function withHeader(jwe: string, edit: (h: Record<string, unknown>) => void): string {
  const parts = jwe.split('.');
  const h = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString());
  edit(h);
  parts[0] = Buffer.from(JSON.stringify(h)).toString('base64url');
  return parts.join('.');
}

/** A bundle whose inner JWS is made by hand (any header), encrypted to Plant the regular way. */
async function withInnerHeader(header: Record<string, unknown>): Promise<string> {
  const iat = Math.floor(T0.getTime() / 1000);
  const claims = { approval_id: APPROVAL, credential_ref: CRED, ...SECRET, iss: 'pp', aud: 'plant', iat };
  const input = [header, { ...claims, exp: iat + 30, jti: 'j' }]
    .map((o) => Buffer.from(JSON.stringify(o)).toString('base64url'))
    .join('.');
  const sig = sign(null, Buffer.from(input), KeyObject.from(pp.privateKey)).toString('base64url');
  return new CompactEncrypt(new TextEncoder().encode(`${input}.${sig}`))
    .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', cty: 'JWT' })
    .encrypt(plant.publicKey);
}

describe('credential bundle refusals (JWE and the signature inside it)', () => {
  it('fails closed on any altered part, an edited header, another or a small-order ephemeral key', async () => {
    const { credential_bundle: jwe } = await issue();
    const parts = jwe.split('.');
    for (let i = 1; i < 5; i++) {
      const altered = [...parts];
      const bytes = Buffer.from(altered[i]!, 'base64url');
      bytes[0] = bytes[0]! ^ 1;
      altered[i] = bytes.toString('base64url');
      expect(await refusal(altered.join('.'), {})).toBe('bundle_undecryptable');
    }
    // A header edit changes the GCM additional data, even when the key agreement still works.
    expect(
      await refusal(
        withHeader(jwe, (h) => (h.kid = 'x')),
        {},
      ),
    ).toBe('bundle_undecryptable');
    const other = await exportJWK(
      (await generateKeyPair('ECDH-ES', { crv: 'X25519', extractable: true })).publicKey,
    );
    const epk = (x: string) => (h: Record<string, unknown>) => {
      (h.epk as Record<string, unknown>).x = x;
    };
    expect(await refusal(withHeader(jwe, epk(other.x!)), {})).toBe('bundle_undecryptable');
    // An all-zero (small-order) point gives an all-zero shared secret, which is refused.
    expect(await refusal(withHeader(jwe, epk(Buffer.alloc(32).toString('base64url'))), {})).toBe(
      'bundle_undecryptable',
    );
  });

  it('refuses other suites, compression, critical extensions, odd ephemeral keys and malformed input', async () => {
    const { credential_bundle: jwe } = await issue();
    for (const edit of [
      (h: Record<string, unknown>) => (h.alg = 'ECDH-ES'),
      (h: Record<string, unknown>) => (h.alg = 'RSA-OAEP'),
      (h: Record<string, unknown>) => (h.alg = 'dir'),
      (h: Record<string, unknown>) => (h.enc = 'A128GCM'),
      (h: Record<string, unknown>) => (h.zip = 'DEF'),
      (h: Record<string, unknown>) => (h.crit = ['exp']),
      (h: Record<string, unknown>) => (h.cty = 'json'),
      (h: Record<string, unknown>) => ((h.epk as Record<string, unknown>).crv = 'X448'),
      (h: Record<string, unknown>) => ((h.epk as Record<string, unknown>).kty = 'EC'),
      (h: Record<string, unknown>) => delete h.epk,
    ]) {
      expect(await refusal(withHeader(jwe, edit), {})).toBe('bundle_undecryptable');
    }
    // Direct ECDH-ES (no key wrap), correctly made by jose, is still another suite.
    const direct = await new CompactEncrypt(new TextEncoder().encode('x'))
      .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM', cty: 'JWT' })
      .encrypt(plant.publicKey);
    expect(await refusal(direct, {})).toBe('bundle_undecryptable');
    for (const bad of ['', 'a.b.c.d', `${jwe}.x`, jwe.replace('.', '.!')]) {
      expect(await refusal(bad, {})).toBe('bundle_undecryptable');
    }
  });

  it('refuses a signature by any algorithm but EdDSA, or with crit or b64', async () => {
    expect(await refusal(await withInnerHeader({ alg: 'EdDSA' }), {})).toBe('opened');
    for (const header of [
      { alg: 'none' },
      { alg: 'HS256' },
      { alg: 'ES256' },
      { alg: 'EdDSA', crit: ['exp'] },
      { alg: 'EdDSA', b64: false },
    ]) {
      expect(await refusal(await withInnerHeader(header), {})).toBe('bundle_signature_invalid');
    }
  });

  it('refuses a bundle issued in the future', async () => {
    const { credential_bundle } = await issue({ now: new Date(T0.getTime() + 10_000) });
    expect(await refusal(credential_bundle, {})).toBe('bundle_expired');
  });
});
