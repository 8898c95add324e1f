import { describe, expect, it } from 'vitest';
import { openSecret, sealCredential, sealSecret } from './envelope.ts';
import { MasterKeyring } from './master-keyring.ts';

const keyring = new MasterKeyring([{ version: 'v1', key: Buffer.alloc(32, 5) }]);
const binding = { kind: 'totp-seed', customer_id: 'cus_a', subject_id: 'cpu_1' };
const seed = Buffer.from('0123456789abcdefghij');

describe('sealSecret / openSecret (secrets other than exchange keys, e.g. TOTP seeds)', () => {
  it('round-trips, and the sealed parts do not contain the secret', () => {
    const sealed = sealSecret(keyring, binding, seed);
    expect(sealed.ciphertext.includes(seed)).toBe(false);
    expect(openSecret(keyring, binding, sealed).equals(seed)).toBe(true);
  });

  it('does not open for another owner, another kind, or tampered bytes', () => {
    const sealed = sealSecret(keyring, binding, seed);
    for (const b of [
      { ...binding, subject_id: 'cpu_2' },
      { ...binding, customer_id: 'cus_b' },
      { ...binding, kind: 'other-seed' },
    ])
      expect(() => openSecret(keyring, b, sealed)).toThrow(/integrity/);
    const tampered = { ...sealed, ciphertext: Buffer.from(sealed.ciphertext) };
    tampered.ciphertext[0] = tampered.ciphertext[0]! ^ 1;
    expect(() => openSecret(keyring, binding, tampered)).toThrow(/integrity/);
  });

  it('never stands in for an exchange credential, nor the reverse', () => {
    expect(() => sealSecret(keyring, { ...binding, kind: 'exchange-credential' }, seed)).toThrow(TypeError);
    const credential = sealCredential(
      keyring,
      { customer_id: 'cus_a', credential_ref: 'cpu_1' },
      { api_key: 'k'.repeat(30), api_secret: 's'.repeat(60) },
    );
    expect(() => openSecret(keyring, binding, credential)).toThrow(/integrity/);
  });
});
