import { JWT_ALGORITHM } from '@delta/service-auth';
import {
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
} from 'jose';
import { z } from 'zod';

/** Key agreement for bundles: ECDH-ES with X25519, the content key wrapped with A256KW. */
export const BUNDLE_KEY_ALGORITHM = 'ECDH-ES+A256KW';
export const BUNDLE_CONTENT_ENCRYPTION = 'A256GCM';
/** Issuers sign the bundle (inside the encryption) with Ed25519, so Plant knows which portal sent it. */
export const BUNDLE_SIGNING_ALGORITHM = JWT_ALGORITHM;

export type { CryptoKey, JWK };

export interface BundleKeyPair {
  publicKey: CryptoKey;
  privateKey: CryptoKey;
}

/** Plant's key pair: the public half goes to the portals, the private half stays in Plant. */
export async function generateEncryptionKeyPair(): Promise<BundleKeyPair> {
  return generateKeyPair(BUNDLE_KEY_ALGORITHM, { crv: 'X25519', extractable: true });
}

/** A portal's signing key pair: the public half goes to Plant. */
export async function generateSigningKeyPair(): Promise<BundleKeyPair> {
  return generateKeyPair(BUNDLE_SIGNING_ALGORITHM, { crv: 'Ed25519', extractable: true });
}

const B64URL_32 = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be 32 bytes in base64url');

function okpJwk(crv: 'X25519' | 'Ed25519') {
  return z.object({
    kty: z.literal('OKP'),
    crv: z.literal(crv),
    x: B64URL_32,
    d: B64URL_32.optional(),
    kid: z.string().max(128).optional(),
  });
}

const ZEncryptionJwk = okpJwk('X25519');
const ZSigningJwk = okpJwk('Ed25519');

/**
 * A key as a JWK with `kid` (its RFC 7638 thumbprint) and `alg`. Exporting a private key includes `d`: keep
 * such a JWK in a secret file, never in a log or a response.
 */
export async function exportKeyJwk(key: CryptoKey): Promise<JWK> {
  const jwk = await exportJWK(key);
  const alg = jwk.crv === 'X25519' ? BUNDLE_KEY_ALGORITHM : BUNDLE_SIGNING_ALGORITHM;
  return { ...jwk, alg, kid: await calculateJwkThumbprint(jwk) };
}

type OkpJwk = { kty: 'OKP'; crv: 'X25519' | 'Ed25519'; x: string; d?: string | undefined };

async function importOkp(jwk: OkpJwk, alg: string): Promise<CryptoKey> {
  // Only the key fields go to importJWK: a stray `alg`/`use` in a config file cannot change how it is used.
  const key = await importJWK({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, ...(jwk.d ? { d: jwk.d } : {}) }, alg);
  if (key instanceof Uint8Array) throw new Error('expected an asymmetric key');
  return key;
}

/** Imports Plant's X25519 key (public: no `d`; private: with `d`). */
export async function importEncryptionJwk(jwk: unknown): Promise<CryptoKey> {
  const parsed = ZEncryptionJwk.safeParse(jwk);
  if (!parsed.success) throw new Error('not an X25519 JWK (kty OKP, crv X25519, x[, d])');
  return importOkp(parsed.data, BUNDLE_KEY_ALGORITHM);
}

/** Imports a portal's Ed25519 key (public: no `d`; private: with `d`). */
export async function importSigningJwk(jwk: unknown): Promise<CryptoKey> {
  const parsed = ZSigningJwk.safeParse(jwk);
  if (!parsed.success) throw new Error('not an Ed25519 JWK (kty OKP, crv Ed25519, x[, d])');
  return importOkp(parsed.data, BUNDLE_SIGNING_ALGORITHM);
}
