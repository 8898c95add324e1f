import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  randomBytes,
} from 'node:crypto';
import { b64u, fromB64u, jsonObjectFromB64u } from './encoding.ts';
import { type KeyInput, keyObject } from './keys.ts';

/**
 * Compact JWE (RFC 7516) with exactly one suite: ECDH-ES+A256KW key agreement on X25519 (RFC 7518 §4.6,
 * RFC 8037) and A256GCM content encryption. Key agreement, key wrap and AES-GCM are node:crypto's (OpenSSL);
 * this module encodes, derives the key-encryption key (Concat KDF) and refuses every other header.
 */
export const JWE_KEY_ALGORITHM = 'ECDH-ES+A256KW';
export const JWE_CONTENT_ENCRYPTION = 'A256GCM';

export type JweFailure =
  /** Not five base64url parts with a JSON object header. */
  | 'malformed'
  /** Another algorithm or encryption, compression, `crit`, or an ephemeral key that is not X25519. */
  | 'unsupported'
  /** Wrong key, or anything altered: the key unwrap or the GCM tag fails. */
  | 'decryption_failed';

export class JweError extends Error {
  constructor(readonly failure: JweFailure) {
    super(`JWE ${failure}`);
    this.name = 'JweError';
  }
}

export interface JweHeader {
  alg: typeof JWE_KEY_ALGORITHM;
  enc: typeof JWE_CONTENT_ENCRYPTION;
  epk: { kty: 'OKP'; crv: 'X25519'; x: string };
  cty?: string;
  kid?: string;
  apu?: string;
  apv?: string;
  [k: string]: unknown;
}

/** RFC 3394's default initial value, which A256KW uses. */
const KW_IV = Buffer.from('A6A6A6A6A6A6A6A6', 'hex');

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function lengthPrefixed(data: Uint8Array): Buffer {
  return Buffer.concat([u32(data.length), data]);
}

/**
 * The Concat KDF of NIST SP 800-56A as RFC 7518 §4.6.2 uses it (SHA-256): `keyBits` of key from the shared
 * secret `z`, bound to the algorithm id and the parties' info.
 */
export function concatKdf(
  z: Uint8Array,
  algorithmId: string,
  keyBits: number,
  partyUInfo: Uint8Array = new Uint8Array(),
  partyVInfo: Uint8Array = new Uint8Array(),
): Buffer {
  const otherInfo = Buffer.concat([
    lengthPrefixed(Buffer.from(algorithmId, 'ascii')),
    lengthPrefixed(partyUInfo),
    lengthPrefixed(partyVInfo),
    u32(keyBits),
  ]);
  const rounds = Math.ceil(keyBits / 256);
  const out: Buffer[] = [];
  for (let i = 1; i <= rounds; i++) {
    out.push(createHash('sha256').update(u32(i)).update(z).update(otherInfo).digest());
  }
  return Buffer.concat(out).subarray(0, keyBits / 8);
}

/** Encrypts `plaintext` to the recipient's X25519 public key; `header` adds protected fields (e.g. `cty`). */
export function encryptCompact(
  plaintext: Uint8Array | string,
  recipientPublicKey: KeyInput,
  header: { cty?: string; kid?: string } = {},
): string {
  const recipient = keyObject(recipientPublicKey, 'x25519', 'public');
  const ephemeral = generateKeyPairSync('x25519');
  const z = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipient });
  const x = ephemeral.publicKey.export({ format: 'jwk' }).x as string;
  // Only `cty` and `kid` come from the caller: the suite and the key agreement are this module's to state.
  const protectedHeader = b64u(
    JSON.stringify({
      alg: JWE_KEY_ALGORITHM,
      enc: JWE_CONTENT_ENCRYPTION,
      ...(header.cty !== undefined ? { cty: header.cty } : {}),
      ...(header.kid !== undefined ? { kid: header.kid } : {}),
      epk: { kty: 'OKP', crv: 'X25519', x },
    }),
  );
  const kek = concatKdf(z, JWE_KEY_ALGORITHM, 256);
  const cek = randomBytes(32);
  const wrap = createCipheriv('id-aes256-wrap', kek, KW_IV);
  const encryptedKey = Buffer.concat([wrap.update(cek), wrap.final()]);
  const iv = randomBytes(12);
  const gcm = createCipheriv('aes-256-gcm', cek, iv);
  gcm.setAAD(Buffer.from(protectedHeader, 'ascii'));
  const ciphertext = Buffer.concat([gcm.update(plaintext), gcm.final()]);
  return [protectedHeader, b64u(encryptedKey), b64u(iv), b64u(ciphertext), b64u(gcm.getAuthTag())].join('.');
}

const X25519_X = /^[A-Za-z0-9_-]{43}$/;

function optionalB64u(v: unknown): Buffer | undefined | null {
  if (v === undefined) return undefined;
  return typeof v === 'string' ? (fromB64u(v) ?? null) : null;
}

/** Decrypts a compact JWE made with this suite (by this module or any conforming library). */
export function decryptCompact(jwe: unknown, privateKey: KeyInput): { header: JweHeader; plaintext: Buffer } {
  const key = keyObject(privateKey, 'x25519', 'private');
  if (typeof jwe !== 'string') throw new JweError('malformed');
  const parts = jwe.split('.');
  if (parts.length !== 5) throw new JweError('malformed');
  const [h, ek, ivPart, ct, tagPart] = parts as [string, string, string, string, string];
  const header = jsonObjectFromB64u(h);
  const encryptedKey = fromB64u(ek);
  const iv = fromB64u(ivPart);
  const ciphertext = fromB64u(ct);
  const tag = fromB64u(tagPart);
  if (!header || !encryptedKey || !iv || !ciphertext || !tag) throw new JweError('malformed');
  if (
    header.alg !== JWE_KEY_ALGORITHM ||
    header.enc !== JWE_CONTENT_ENCRYPTION ||
    'crit' in header ||
    'zip' in header
  ) {
    throw new JweError('unsupported');
  }
  const epk = header.epk as Record<string, unknown> | undefined;
  if (
    typeof epk !== 'object' ||
    epk === null ||
    epk.kty !== 'OKP' ||
    epk.crv !== 'X25519' ||
    typeof epk.x !== 'string' ||
    !X25519_X.test(epk.x) ||
    'd' in epk
  ) {
    throw new JweError('unsupported');
  }
  const apu = optionalB64u(header.apu);
  const apv = optionalB64u(header.apv);
  if (apu === null || apv === null) throw new JweError('malformed');
  if (encryptedKey.length !== 40 || iv.length !== 12 || tag.length !== 16) {
    throw new JweError('decryption_failed');
  }
  try {
    const ephemeral = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: epk.x }, format: 'jwk' });
    // OpenSSL refuses an all-zero shared secret (a small-order ephemeral key), which lands in the catch.
    const z = diffieHellman({ privateKey: key, publicKey: ephemeral });
    const kek = concatKdf(z, JWE_KEY_ALGORITHM, 256, apu, apv);
    const unwrap = createDecipheriv('id-aes256-wrap', kek, KW_IV);
    const cek = Buffer.concat([unwrap.update(encryptedKey), unwrap.final()]);
    const gcm = createDecipheriv('aes-256-gcm', cek, iv, { authTagLength: 16 });
    gcm.setAAD(Buffer.from(h, 'ascii'));
    gcm.setAuthTag(tag);
    const plaintext = Buffer.concat([gcm.update(ciphertext), gcm.final()]);
    return { header: header as JweHeader, plaintext };
  } catch {
    throw new JweError('decryption_failed');
  }
}
