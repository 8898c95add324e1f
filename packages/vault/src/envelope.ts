import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AppError } from '@delta/server-kit';
import { z } from 'zod';
import {
  ExchangeCredential,
  parseExchangeSecret,
  type TExchangeSecret,
  ZExchangeSecret,
} from './exchange-credential.ts';
import type { MasterKeyring } from './master-keyring.ts';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const DATA_KEY_BYTES = 32;

/**
 * Purpose strings keep a payload ciphertext and a wrapped data key from ever standing in for each other, and one
 * kind of secret (an exchange credential, a customer's TOTP seed) from standing in for another.
 */
const EXCHANGE_CREDENTIAL = 'exchange-credential';
const PURPOSE_PAYLOAD = `${EXCHANGE_CREDENTIAL}/payload`;

/** The encrypted JSON: versioned so the payload format can change without guessing. */
const ZSealedPayload = ZExchangeSecret.extend({ v: z.literal(1) });

/** The row a ciphertext belongs to. Bound as AAD: moved to another tenant or credential, it will not open. */
export interface CredentialBinding {
  customer_id: string;
  credential_ref: string;
}

/** Everything stored for one credential; none of it reveals the secret without the master key. */
export interface SealedCredential {
  ciphertext: Buffer;
  iv: Buffer;
  tag: Buffer;
  wrapped_key: Buffer;
  wrap_iv: Buffer;
  wrap_tag: Buffer;
  master_key_version: string;
}

/**
 * AAD as a JSON array: unambiguous (no delimiter games between fields). The payload's AAD deliberately omits
 * the master key version so that re-wrapping under a new master key never has to touch the payload; the
 * wrapped data key's AAD includes it, so a wrapped key relabelled with another version fails.
 */
function aad(purpose: string, binding: CredentialBinding, masterKeyVersion: string | null): Buffer {
  return Buffer.from(
    JSON.stringify([
      'delta-vault',
      1,
      purpose,
      binding.customer_id,
      binding.credential_ref,
      masterKeyVersion,
    ]),
  );
}

function encrypt(key: Buffer, plaintext: Buffer, additional: Buffer) {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(additional);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { ciphertext, iv, tag: cipher.getAuthTag() };
}

function decrypt(
  key: Buffer,
  parts: { ciphertext: Buffer; iv: Buffer; tag: Buffer },
  additional: Buffer,
  what: string,
  binding: CredentialBinding,
): Buffer {
  try {
    if (parts.iv.length !== IV_BYTES || parts.tag.length !== TAG_BYTES) throw new Error('bad sizes');
    const decipher = createDecipheriv(ALGORITHM, key, parts.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(additional);
    decipher.setAuthTag(parts.tag);
    return Buffer.concat([decipher.update(parts.ciphertext), decipher.final()]);
  } catch {
    // Tampered bytes, a row moved to another tenant/credential, or the wrong key: all look the same to GCM.
    throw new AppError(
      500,
      'vault_decryption_failed',
      `The ${what} of credential ${binding.credential_ref} failed its integrity check ` +
        '(tampered, moved to another row, or wrapped under a different key).',
    );
  }
}

function wrapDataKey(
  keyring: MasterKeyring,
  binding: CredentialBinding,
  dataKey: Buffer,
  kind = EXCHANGE_CREDENTIAL,
) {
  const version = keyring.current;
  const wrapped = encrypt(keyring.key(version), dataKey, aad(`${kind}/data-key`, binding, version));
  return {
    wrapped_key: wrapped.ciphertext,
    wrap_iv: wrapped.iv,
    wrap_tag: wrapped.tag,
    master_key_version: version,
  };
}

function unwrapDataKey(
  keyring: MasterKeyring,
  binding: CredentialBinding,
  sealed: SealedCredential,
  kind = EXCHANGE_CREDENTIAL,
): Buffer {
  const key = keyring.key(sealed.master_key_version);
  return decrypt(
    key,
    { ciphertext: sealed.wrapped_key, iv: sealed.wrap_iv, tag: sealed.wrap_tag },
    aad(`${kind}/data-key`, binding, sealed.master_key_version),
    'wrapped data key',
    binding,
  );
}

/** Encrypts api_key + api_secret under a fresh data key, and wraps that key under the current master key. */
export function sealCredential(
  keyring: MasterKeyring,
  binding: CredentialBinding,
  secret: TExchangeSecret,
): SealedCredential {
  const parsed = parseExchangeSecret(secret);
  const dataKey = randomBytes(DATA_KEY_BYTES);
  const plaintext = Buffer.from(
    JSON.stringify({ v: 1, api_key: parsed.api_key, api_secret: parsed.api_secret }),
  );
  try {
    const payload = encrypt(dataKey, plaintext, aad(PURPOSE_PAYLOAD, binding, null));
    return { ...payload, ...wrapDataKey(keyring, binding, dataKey) };
  } finally {
    // Best effort: do not leave key or plaintext bytes lying around in reusable buffers.
    dataKey.fill(0);
    plaintext.fill(0);
  }
}

/** Decrypts a sealed credential. Any tampering or mis-binding is a `vault_decryption_failed` AppError. */
export function openSealedCredential(
  keyring: MasterKeyring,
  binding: CredentialBinding,
  sealed: SealedCredential,
): ExchangeCredential {
  const dataKey = unwrapDataKey(keyring, binding, sealed);
  let decoded: unknown = null;
  try {
    const plaintext = decrypt(dataKey, sealed, aad(PURPOSE_PAYLOAD, binding, null), 'payload', binding);
    try {
      decoded = JSON.parse(plaintext.toString('utf8'));
    } catch {
      decoded = null;
    } finally {
      plaintext.fill(0);
    }
  } finally {
    dataKey.fill(0);
  }
  const parsed = ZSealedPayload.safeParse(decoded);
  if (!parsed.success) {
    throw new AppError(
      500,
      'vault_payload_invalid',
      `Credential ${binding.credential_ref} holds no valid key.`,
    );
  }
  return new ExchangeCredential({ api_key: parsed.data.api_key, api_secret: parsed.data.api_secret });
}

/**
 * Re-wraps the data key under the keyring's current master version. The payload ciphertext, IV and tag are
 * returned unchanged (same bytes): rotation of the master key never re-encrypts secrets.
 */
export function rewrapSealed(
  keyring: MasterKeyring,
  binding: CredentialBinding,
  sealed: SealedCredential,
): SealedCredential {
  if (sealed.master_key_version === keyring.current) return sealed;
  const dataKey = unwrapDataKey(keyring, binding, sealed);
  try {
    return { ...sealed, ...wrapDataKey(keyring, binding, dataKey) };
  } finally {
    dataKey.fill(0);
  }
}

/**
 * Another kind of secret a portal keeps, sealed the same way as an exchange credential: a fresh data key wrapped
 * under the current master key, `kind` and the owner's ids bound as AAD (so a seed moved to another user, or read
 * as another kind of secret, does not open). CP keeps its customers' TOTP seeds with it.
 */
export interface SecretBinding {
  /** What the secret is, e.g. `totp-seed`; never `exchange-credential`. */
  kind: string;
  customer_id: string;
  /** The id of the row the secret belongs to (e.g. the customer user). */
  subject_id: string;
}

function secretBinding(b: SecretBinding): CredentialBinding {
  if (b.kind === EXCHANGE_CREDENTIAL || !/^[a-z][a-z0-9-]{2,40}$/.test(b.kind))
    throw new TypeError('a secret kind is a lower-case name other than exchange-credential');
  return { customer_id: b.customer_id, credential_ref: b.subject_id };
}

export function sealSecret(keyring: MasterKeyring, b: SecretBinding, plaintext: Buffer): SealedCredential {
  const binding = secretBinding(b);
  const dataKey = randomBytes(DATA_KEY_BYTES);
  try {
    const payload = encrypt(dataKey, plaintext, aad(`${b.kind}/payload`, binding, null));
    return { ...payload, ...wrapDataKey(keyring, binding, dataKey, b.kind) };
  } finally {
    dataKey.fill(0);
  }
}

/** Opens what sealSecret sealed; tampering or a row moved elsewhere is a `vault_decryption_failed` AppError. */
export function openSecret(keyring: MasterKeyring, b: SecretBinding, sealed: SealedCredential): Buffer {
  const binding = secretBinding(b);
  const dataKey = unwrapDataKey(keyring, binding, sealed, b.kind);
  try {
    return decrypt(dataKey, sealed, aad(`${b.kind}/payload`, binding, null), 'payload', binding);
  } finally {
    dataKey.fill(0);
  }
}
