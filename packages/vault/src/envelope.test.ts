import { inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CredentialBinding,
  openSealedCredential,
  rewrapSealed,
  type SealedCredential,
  sealCredential,
} from './envelope.ts';
import { ExchangeCredential } from './exchange-credential.ts';
import { newCredentialRef } from './ids.ts';
import { generateMasterKey, MasterKeyring, parseMasterKeys } from './master-keyring.ts';

const K1 = generateMasterKey();
const K2 = generateMasterKey();
const ringV1 = new MasterKeyring(parseMasterKeys(`v1:${K1}`));
const ringV2 = new MasterKeyring(parseMasterKeys(`v2:${K2},v1:${K1}`));
const SECRET = { api_key: 'CANARYkeyAAAA1111', api_secret: 'CANARYsecretBBBB2222cccc' };

function binding(): CredentialBinding {
  return { customer_id: 'cus_alpha', credential_ref: newCredentialRef('pp') };
}

function flip(buf: Buffer, index = 0): Buffer {
  const copy = Buffer.from(buf);
  copy[index] = copy[index]! ^ 0x01;
  return copy;
}

function expectReason(fn: () => unknown, reason: string) {
  expect(fn).toThrow(expect.objectContaining({ reason }));
}

describe('envelope encryption', () => {
  it('round-trips and produces a fresh data key, IV and ciphertext each time', () => {
    const b = binding();
    const a = sealCredential(ringV1, b, SECRET);
    const c = sealCredential(ringV1, b, SECRET);
    const opened = openSealedCredential(ringV1, b, a);
    expect([opened.apiKey, opened.apiSecret]).toEqual([SECRET.api_key, SECRET.api_secret]);
    expect(a.iv.equals(c.iv)).toBe(false);
    expect(a.ciphertext.equals(c.ciphertext)).toBe(false);
    expect(a.wrapped_key.equals(c.wrapped_key)).toBe(false);
    expect(a.master_key_version).toBe('v1');
    expect(Buffer.concat(Object.values(a).filter(Buffer.isBuffer)).includes(SECRET.api_secret)).toBe(false);
  });

  it.each(['ciphertext', 'iv', 'tag', 'wrapped_key', 'wrap_iv', 'wrap_tag'] as const)(
    'a flipped bit in %s fails the integrity check',
    (field) => {
      const b = binding();
      const sealed = sealCredential(ringV1, b, SECRET);
      const tampered: SealedCredential = { ...sealed, [field]: flip(sealed[field]) };
      expectReason(() => openSealedCredential(ringV1, b, tampered), 'vault_decryption_failed');
    },
  );

  it('a truncated tag or IV fails rather than weakening the check', () => {
    const b = binding();
    const sealed = sealCredential(ringV1, b, SECRET);
    expectReason(
      () => openSealedCredential(ringV1, b, { ...sealed, tag: sealed.tag.subarray(0, 4) }),
      'vault_decryption_failed',
    );
    expectReason(
      () => openSealedCredential(ringV1, b, { ...sealed, iv: sealed.iv.subarray(0, 8) }),
      'vault_decryption_failed',
    );
  });

  it('a ciphertext moved to another tenant or credential does not open (AAD)', () => {
    const b = binding();
    const sealed = sealCredential(ringV1, b, SECRET);
    expectReason(
      () => openSealedCredential(ringV1, { ...b, customer_id: 'cus_other' }, sealed),
      'vault_decryption_failed',
    );
    expectReason(
      () => openSealedCredential(ringV1, { ...b, credential_ref: newCredentialRef('pp') }, sealed),
      'vault_decryption_failed',
    );
  });

  it('payload of one credential with the wrapped key of another does not open', () => {
    const b = binding();
    const one = sealCredential(ringV1, b, SECRET);
    const two = sealCredential(ringV1, b, SECRET);
    const mixed = { ...one, wrapped_key: two.wrapped_key, wrap_iv: two.wrap_iv, wrap_tag: two.wrap_tag };
    expectReason(() => openSealedCredential(ringV1, b, mixed), 'vault_decryption_failed');
  });

  it('a version the keyring lacks is a clear error; a relabelled version fails AAD', () => {
    const b = binding();
    const sealed = sealCredential(ringV2, b, SECRET);
    expectReason(() => openSealedCredential(ringV1, b, sealed), 'vault_master_key_unknown');
    // Same key bytes under another label: the version is in the wrap AAD, so it is refused.
    const relabelled = new MasterKeyring(parseMasterKeys(`v9:${K2}`));
    expectReason(
      () => openSealedCredential(relabelled, b, { ...sealed, master_key_version: 'v9' }),
      'vault_decryption_failed',
    );
  });

  it('rewrap moves the data key to the current master version without touching the payload', () => {
    const b = binding();
    const old = sealCredential(ringV1, b, SECRET);
    // The old ciphertext still opens with the new keyring (v1 kept as a previous version).
    expect(openSealedCredential(ringV2, b, old).apiSecret).toBe(SECRET.api_secret);
    const next = rewrapSealed(ringV2, b, old);
    expect(next.master_key_version).toBe('v2');
    expect(next.ciphertext.equals(old.ciphertext) && next.iv.equals(old.iv) && next.tag.equals(old.tag)).toBe(
      true,
    );
    expect(next.wrapped_key.equals(old.wrapped_key)).toBe(false);
    expect(openSealedCredential(new MasterKeyring(parseMasterKeys(`v2:${K2}`)), b, next).apiKey).toBe(
      SECRET.api_key,
    );
    expect(rewrapSealed(ringV2, b, next)).toBe(next);
    expect(sealCredential(ringV2, b, SECRET).master_key_version).toBe('v2');
  });

  it('property: any valid key/secret round-trips, and only under its own binding', () => {
    const material = fc.stringMatching(/^[\x21-\x7e]{8,64}$/);
    fc.assert(
      fc.property(material, material, fc.string({ minLength: 1, maxLength: 40 }), (key, secret, customer) => {
        const b = { customer_id: customer, credential_ref: newCredentialRef('cp') };
        const sealed = sealCredential(ringV2, b, { api_key: key, api_secret: secret });
        const opened = openSealedCredential(ringV2, b, sealed);
        expect([opened.apiKey, opened.apiSecret]).toEqual([key, secret]);
        expect(() => openSealedCredential(ringV2, { ...b, customer_id: `${customer}x` }, sealed)).toThrow();
      }),
      { numRuns: 200 },
    );
  });
});

describe('ExchangeCredential', () => {
  it('keeps the secret out of JSON, inspect, string and spread views', () => {
    const c = new ExchangeCredential(SECRET);
    const views = [
      JSON.stringify(c),
      inspect(c),
      String(c),
      JSON.stringify({ ...c }),
      inspect({ nested: { c } }),
    ];
    for (const v of views) {
      expect(v).not.toContain(SECRET.api_secret);
      expect(v).not.toContain(SECRET.api_key);
    }
    expect(JSON.parse(JSON.stringify(c))).toEqual({
      key_last4: '1111',
      api_key: '[REDACTED]',
      api_secret: '[REDACTED]',
    });
  });

  it('refuses malformed key material without echoing it', () => {
    const bad = { api_key: 'short', api_secret: 'has a space CANARYsecret' };
    let message = '';
    try {
      new ExchangeCredential(bad);
    } catch (err) {
      message = `${String(err)} ${JSON.stringify(err)} ${inspect(err)}`;
    }
    expect(message).toMatch(/api_key/);
    expect(message).not.toContain('CANARYsecret');
  });
});
