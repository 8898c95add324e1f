import { inspect } from 'node:util';
import { CompactEncrypt, SignJWT } from 'jose';
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
});
