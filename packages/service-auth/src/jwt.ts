import { createPrivateKey, createPublicKey, type JsonWebKey, KeyObject } from 'node:crypto';
import { createSigner, createVerifier, TOKEN_ERROR_CODES } from 'fast-jwt';

/**
 * EdDSA (Ed25519) JWTs through fast-jwt, the JWT library @fastify/jwt uses: signing and verification run on
 * node:crypto, synchronously (jose 6 sends each one to the thread pool through WebCrypto; see docs/decisions.md).
 * This module only adapts our key types to fast-jwt's, pins the algorithm, adds the two header checks fast-jwt
 * leaves to its caller, and turns its errors into failures that never carry a claim's value (a credential
 * bundle's claims hold an exchange secret). Service tokens and credential bundles both sign and verify with it.
 */
export const JWT_ALGORITHM = 'EdDSA';

export type JwtFailure =
  /** Not a compact JWS of JSON objects. */
  | 'malformed'
  /** A header we will not interpret: another algorithm (none, HS256, ES256…), `crit`, `b64`. */
  | 'unsupported'
  | 'bad_signature'
  /** `exp` passed, or (with maxTokenAge) `iat` too long ago: fast-jwt does not say which. */
  | 'expired'
  /** A claim missing, of the wrong type or with the wrong value; `claim` names it. */
  | 'claim_invalid';

export class JwtError extends Error {
  constructor(
    readonly failure: JwtFailure,
    readonly claim?: string,
  ) {
    // The failure and a claim's name only: fast-jwt's own errors may hold the payload, so none is kept as cause.
    super(claim ? `JWT ${failure}: ${claim}` : `JWT ${failure}`);
    this.name = 'JwtError';
  }
}

/** A key as callers hold it: a node KeyObject, a WebCrypto CryptoKey (what jose makes) or an OKP JWK. */
export type JwtKey = KeyObject | CryptoKey | { kty?: string; crv?: string; x?: string; d?: string };

export interface JwtClaims {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  jti?: string;
  [k: string]: unknown;
}

type Kind = 'public' | 'private';
const pems: Record<Kind, WeakMap<object, string>> = { public: new WeakMap(), private: new WeakMap() };

function keyObject(key: JwtKey): KeyObject {
  if (key instanceof KeyObject) return key;
  if (typeof CryptoKey !== 'undefined' && key instanceof CryptoKey) return KeyObject.from(key);
  if (typeof key === 'object' && key !== null && (key as { kty?: unknown }).kty === 'OKP') {
    const { crv, x, d } = key as { crv?: string; x?: string; d?: string };
    // Only the key fields: a stray `alg`/`use` in a JWK cannot change how the key is used.
    const jwk = { kty: 'OKP', crv, x, ...(d !== undefined ? { d } : {}) } as JsonWebKey;
    return d !== undefined
      ? createPrivateKey({ key: jwk, format: 'jwk' })
      : createPublicKey({ key: jwk, format: 'jwk' });
  }
  throw new TypeError('expected a KeyObject, a CryptoKey or an OKP JWK');
}

/**
 * fast-jwt takes keys as PEM; each key object's PEM is made once. The key must be Ed25519 of the kind needed (a
 * private key may stand for its public half, never the reverse). A wrong key is a TypeError: the caller's bug,
 * not a verdict on a token.
 */
function pemOf(key: JwtKey, kind: Kind): string {
  const cached = pems[kind].get(key);
  if (cached !== undefined) return cached;
  const k = keyObject(key);
  if (k.asymmetricKeyType !== 'ed25519') throw new TypeError('expected an Ed25519 key');
  if (kind === 'private' && k.type !== 'private') throw new TypeError('expected a private Ed25519 key');
  const pem = (
    kind === 'private'
      ? k.export({ type: 'pkcs8', format: 'pem' })
      : (k.type === 'private' ? createPublicKey(k) : k).export({ type: 'spki', format: 'pem' })
  ).toString();
  pems[kind].set(key, pem);
  return pem;
}

type Signer = (payload: Record<string, unknown>) => string;
const signers = new WeakMap<object, Map<string, Signer>>();

/**
 * Signs `claims` (the caller sets iss, aud, iat, exp, jti…; fast-jwt adds an `iat` of now to claims without one)
 * under the protected header `{alg: 'EdDSA', typ: 'JWT', kid}`: the algorithm is always ours to state.
 */
export function signJwt(claims: Record<string, unknown>, privateKey: JwtKey, kid?: string): string {
  let byKid = signers.get(privateKey);
  if (!byKid) {
    byKid = new Map();
    signers.set(privateKey, byKid);
  }
  let sign = byKid.get(kid ?? '');
  if (!sign) {
    // fast-jwt's header is {alg, typ: 'JWT', kid}; no `header` option is passed, so nothing can replace alg.
    sign = createSigner({
      key: pemOf(privateKey, 'private'),
      algorithm: JWT_ALGORITHM,
      ...(kid !== undefined ? { kid } : {}),
    }) as Signer;
    byKid.set(kid ?? '', sign);
  }
  return sign(claims);
}

export interface VerifyJwtOptions {
  /** The `iss` the token must carry (then required). */
  issuer?: string;
  /** The audience the token's `aud` (a string or an array) must name (then required). */
  audience?: string;
  /** Claims that must be present. */
  requiredClaims?: readonly string[];
  /** Seconds of clock skew allowed on exp, nbf and iat (default 0). */
  clockTolerance?: number;
  /** With it, `iat` is required and may be at most this many seconds (plus the tolerance) in the past. */
  maxTokenAge?: number;
  /** The verifier's clock; default now. */
  currentDate?: Date;
}

type Verify = (token: string) => { header: Record<string, unknown>; payload: JwtClaims };
const verifiers = new WeakMap<object, Map<string, Verify>>();

function makeVerifier(publicKey: JwtKey, o: VerifyJwtOptions): Verify {
  const tolerance = o.clockTolerance ?? 0;
  const required = new Set(o.requiredClaims ?? []);
  if (o.issuer !== undefined) required.add('iss');
  if (o.audience !== undefined) required.add('aud');
  if (o.maxTokenAge !== undefined) required.add('iat');
  return createVerifier({
    key: pemOf(publicKey, 'public'),
    // Pinned: a token saying none, HS256 (the public key as an HMAC secret), ES256… is refused before any check.
    algorithms: [JWT_ALGORITHM],
    complete: true,
    cache: false,
    requiredClaims: [...required],
    ...(o.issuer !== undefined ? { allowedIss: o.issuer } : {}),
    ...(o.audience !== undefined ? { allowedAud: o.audience } : {}),
    // fast-jwt counts in milliseconds, and its maxAge ignores the tolerance: both added here.
    clockTolerance: tolerance * 1000,
    ...(o.maxTokenAge !== undefined ? { maxAge: (o.maxTokenAge + tolerance) * 1000 } : {}),
    ...(o.currentDate !== undefined ? { clockTimestamp: o.currentDate.getTime() } : {}),
  }) as Verify;
}

/** Verifiers are made once per key and options; one with a fixed clock (tests) is made per call. */
function verifierFor(publicKey: JwtKey, options: VerifyJwtOptions): Verify {
  if (options.currentDate !== undefined) return makeVerifier(publicKey, options);
  let byOptions = verifiers.get(publicKey);
  if (!byOptions) {
    byOptions = new Map();
    verifiers.set(publicKey, byOptions);
  }
  const id = JSON.stringify([
    options.issuer,
    options.audience,
    options.requiredClaims,
    options.clockTolerance,
    options.maxTokenAge,
  ]);
  let verify = byOptions.get(id);
  if (!verify) {
    verify = makeVerifier(publicKey, options);
    byOptions.set(id, verify);
  }
  return verify;
}

const C = TOKEN_ERROR_CODES;

/** fast-jwt's messages name the claim ("The aud claim value is not allowed."), never its value. */
function claimNamed(message: string): string | undefined {
  return /(\S+) claim/.exec(message)?.[1];
}

function failureOf(err: unknown): JwtError {
  const code = (err as { code?: unknown }).code;
  const message = err instanceof Error ? err.message : '';
  switch (code) {
    case C.invalidAlgorithm:
    case C.invalidCritHeader:
      return new JwtError('unsupported');
    case C.invalidSignature:
    case C.missingSignature:
      return new JwtError('bad_signature');
    case C.expired:
      // fast-jwt says the same of a passed exp and of an iat older than maxAge.
      return new JwtError('expired');
    case C.inactive:
      return new JwtError('claim_invalid', 'nbf');
    case C.invalidClaimType:
    case C.invalidClaimValue:
    case C.missingRequiredClaim:
      return new JwtError('claim_invalid', claimNamed(message));
    case C.malformed:
    case C.invalidPayload:
    case C.invalidType:
      return new JwtError('malformed');
    default:
      // A key or OpenSSL failure: nothing was verified, so the token is refused.
      return new JwtError('bad_signature');
  }
}

/**
 * Verifies an EdDSA JWT and its registered claims: the algorithm, the signature, a JSON object payload, the
 * required claims, `iss`, `aud`, `nbf`, `exp` and (with maxTokenAge) the token's age, each with `clockTolerance`.
 * Throws JwtError.
 */
export function verifyJwt(
  token: unknown,
  publicKey: JwtKey,
  options: VerifyJwtOptions = {},
): { header: Record<string, unknown>; payload: JwtClaims } {
  if (typeof token !== 'string') throw new JwtError('malformed');
  const verify = verifierFor(publicKey, options);
  let verified: ReturnType<Verify>;
  try {
    verified = verify(token);
  } catch (err) {
    throw failureOf(err);
  }
  // fast-jwt refuses a non-empty `crit` it does not know, but lets an empty one and `b64` (RFC 7797) pass.
  if ('crit' in verified.header || 'b64' in verified.header) throw new JwtError('unsupported');
  // fast-jwt checks the type of exp and nbf, and of iat only with maxAge; nor does its maxAge look at an iat in
  // the future, which would make a token's age negative (and its life longer than maxTokenAge).
  const { iat } = verified.payload;
  if (iat !== undefined && !(typeof iat === 'number' && Number.isFinite(iat)))
    throw new JwtError('claim_invalid', 'iat');
  if (options.maxTokenAge !== undefined) {
    const nowS = (options.currentDate?.getTime() ?? Date.now()) / 1000;
    if ((iat as number) > nowS + (options.clockTolerance ?? 0)) throw new JwtError('claim_invalid', 'iat');
  }
  return { header: verified.header, payload: verified.payload };
}
