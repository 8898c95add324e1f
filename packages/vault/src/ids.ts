import { randomBytes } from 'node:crypto';
import { CREDENTIAL_REF_PATTERN } from '@delta/contracts';

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** RFC 4648 base32, lowercase, no padding: case-insensitive-safe and URL/filename-safe ids. */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** `prefix` + 128 random bits as 26 base32 characters. */
export function randomId(prefix: string): string {
  return `${prefix}${base32(randomBytes(16))}`;
}

export type CredentialOwner = 'pp' | 'cp';

/**
 * `cred_<owner>_<26 base32>`: 128 random bits, and the owning portal in the ref itself, so Plant knows which
 * portal's internal API to ask for a bundle without a lookup. The same value is the `exchange_account_id`.
 */
export { CREDENTIAL_REF_PATTERN };

export function newCredentialRef(owner: CredentialOwner): string {
  return randomId(`cred_${owner}_`);
}

export function isCredentialRef(value: unknown): value is string {
  return typeof value === 'string' && CREDENTIAL_REF_PATTERN.test(value);
}

/** Which portal holds the keys behind a credential_ref, or null when it is not one. */
export function credentialOwner(ref: string): CredentialOwner | null {
  const m = CREDENTIAL_REF_PATTERN.exec(ref);
  return m ? (m[1] as CredentialOwner) : null;
}
