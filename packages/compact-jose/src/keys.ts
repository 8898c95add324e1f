import { createPrivateKey, createPublicKey, type JsonWebKey, KeyObject } from 'node:crypto';

/** A key as callers hold it: a node KeyObject, a WebCrypto CryptoKey (what jose makes) or an OKP JWK. */
export type KeyInput = KeyObject | CryptoKey | OkpJwk;

export interface OkpJwk {
  kty?: string;
  crv?: string;
  x?: string;
  d?: string;
  [k: string]: unknown;
}

export type Curve = 'ed25519' | 'x25519';
export type KeyKind = 'public' | 'private';

const converted = new WeakMap<object, KeyObject>();

function isCryptoKey(key: unknown): key is CryptoKey {
  return typeof CryptoKey !== 'undefined' && key instanceof CryptoKey;
}

function convert(key: KeyInput, kind: KeyKind): KeyObject {
  if (key instanceof KeyObject) return key;
  if (isCryptoKey(key)) return KeyObject.from(key);
  if (typeof key !== 'object' || key === null || key.kty !== 'OKP') {
    throw new TypeError('expected a KeyObject, a CryptoKey or an OKP JWK');
  }
  // Only the key fields: a stray `alg`/`use`/`key_ops` cannot change how the key is used.
  const jwk = { kty: 'OKP', crv: key.crv, x: key.x, ...(key.d !== undefined ? { d: key.d } : {}) };
  return kind === 'private' || key.d !== undefined
    ? createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' })
    : createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
}

/**
 * The node:crypto KeyObject for `key`, checked to be the curve and kind the caller needs (a public key where a
 * private one is needed, or an X25519 key where Ed25519 is needed, is a TypeError). Conversions are remembered per
 * key object, so a caller passing the same CryptoKey or JWK every time converts it once.
 */
export function keyObject(key: KeyInput, curve: Curve, kind: KeyKind): KeyObject {
  let k = key instanceof KeyObject ? key : converted.get(key as object);
  if (!k) {
    k = convert(key, kind);
    converted.set(key as object, k);
  }
  if (k.asymmetricKeyType !== curve) throw new TypeError(`expected an ${curve} key`);
  if (k.type !== kind) {
    // A private key can stand for its public half (verifying, encrypting to ourselves); never the reverse.
    if (kind === 'public' && k.type === 'private') return publicHalf(k);
    throw new TypeError(`expected a ${kind} ${curve} key`);
  }
  return k;
}

const publicHalves = new WeakMap<KeyObject, KeyObject>();
function publicHalf(k: KeyObject): KeyObject {
  let pub = publicHalves.get(k);
  if (!pub) {
    pub = createPublicKey(k);
    publicHalves.set(k, pub);
  }
  return pub;
}
