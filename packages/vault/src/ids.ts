import { CREDENTIAL_REF_PATTERN } from '@delta/contracts';
import { randomId } from '@delta/server-kit';

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
