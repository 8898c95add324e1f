import { sign as edSign, verify as edVerify, type KeyObject } from 'node:crypto';
import { b64u, fromB64u, jsonObjectFromB64u } from './encoding.ts';
import { type KeyInput, keyObject } from './keys.ts';

/**
 * Compact JWS (RFC 7515) and JWT (RFC 7519) with exactly one algorithm: EdDSA over Ed25519 (RFC 8037). Signing
 * and verification are node:crypto's (OpenSSL); this module only encodes, decodes and checks claims. Anything
 * else — another `alg`, a `crit` extension, an unencoded payload — is refused, never interpreted.
 */
export const JWS_ALGORITHM = 'EdDSA';

export type JwtFailure =
  /** Not a compact JWS of JSON objects. */
  | 'malformed'
  /** A header this module will not interpret: another algorithm, `crit`, `b64`. */
  | 'unsupported'
  | 'bad_signature'
  /** `exp` passed, or (with maxTokenAge) `iat` too long ago. */
  | 'expired'
  /** A claim missing, of the wrong type or with the wrong value; `claim` names it. */
  | 'claim_invalid';

export class JwtError extends Error {
  constructor(
    readonly failure: JwtFailure,
    readonly claim?: string,
  ) {
    // The message names the failure and claim only: never a claim's value (bundles carry secrets in theirs).
    super(claim ? `JWT ${failure}: ${claim}` : `JWT ${failure}`);
    this.name = 'JwtError';
  }
}

export interface JwsHeader {
  alg: typeof JWS_ALGORITHM;
  typ?: string;
  kid?: string;
  cty?: string;
  [k: string]: unknown;
}

/** Signs `payload` bytes under a protected header `{alg: 'EdDSA', ...header}`; returns the compact JWS. */
export function signJws(
  payload: Uint8Array | string,
  header: Omit<JwsHeader, 'alg'>,
  privateKey: KeyInput,
): string {
  const key = keyObject(privateKey, 'ed25519', 'private');
  // The algorithm is this module's to state: a caller's `alg` (typed out, but possible at run time) is dropped.
  const { alg: _alg, ...rest } = header as Record<string, unknown>;
  const signingInput = `${b64u(JSON.stringify({ alg: JWS_ALGORITHM, ...rest }))}.${b64u(payload)}`;
  const signature = edSign(null, Buffer.from(signingInput, 'ascii'), key);
  return `${signingInput}.${b64u(signature)}`;
}

/** Signs a JWT whose claims are `claims` (the caller sets iss, aud, iat, exp, jti…). */
export function signJwt(
  claims: Record<string, unknown>,
  header: Omit<JwsHeader, 'alg'>,
  privateKey: KeyInput,
): string {
  return signJws(JSON.stringify(claims), header, privateKey);
}

/** The verifying key for a header: a key, or a lookup by header (e.g. by `kid` in a JWKS). */
export type VerifyKey = KeyInput | ((header: JwsHeader) => KeyInput | Promise<KeyInput>);

/**
 * Verifies a compact JWS signed with EdDSA and returns its header and payload bytes. The key is resolved only
 * after the header is known to be one this module handles; lookup errors propagate unchanged.
 */
export async function verifyJws(
  token: unknown,
  key: VerifyKey,
): Promise<{ header: JwsHeader; payload: Buffer }> {
  if (typeof token !== 'string') throw new JwtError('malformed');
  const parts = token.split('.');
  if (parts.length !== 3) throw new JwtError('malformed');
  const [h, p, s] = parts as [string, string, string];
  const header = jsonObjectFromB64u(h);
  const payload = fromB64u(p);
  const signature = fromB64u(s);
  if (!header || !payload || !signature) throw new JwtError('malformed');
  if (header.alg !== JWS_ALGORITHM || 'crit' in header || 'b64' in header) {
    throw new JwtError('unsupported');
  }
  const resolved: KeyObject = keyObject(
    typeof key === 'function' ? await key(header as JwsHeader) : key,
    'ed25519',
    'public',
  );
  if (signature.length !== 64 || !edVerify(null, Buffer.from(`${h}.${p}`, 'ascii'), resolved, signature)) {
    throw new JwtError('bad_signature');
  }
  return { header: header as JwsHeader, payload };
}

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

export interface VerifyJwtOptions {
  /** The `iss` the token must carry. */
  issuer?: string;
  /** The audience the token's `aud` (a string or an array) must name. */
  audience?: string;
  /** Claims that must be present. */
  requiredClaims?: readonly string[];
  /** Seconds of clock skew allowed on exp, nbf and iat (default 0). */
  clockTolerance?: number;
  /** With it, `iat` is required and may be at most this many seconds in the past. */
  maxTokenAge?: number;
  /** The verifier's clock; default now. */
  currentDate?: Date;
}

function isNumericDate(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/**
 * Verifies a JWT (EdDSA) and its registered claims the way RFC 7519 says: a signature first, then a JSON object
 * payload, then the required claims, `iss`, `aud`, `nbf`, `exp` and the token's age, each with `clockTolerance`.
 */
export async function verifyJwt(
  token: unknown,
  key: VerifyKey,
  options: VerifyJwtOptions = {},
): Promise<{ header: JwsHeader; payload: JwtClaims }> {
  const { header, payload: bytes } = await verifyJws(token, key);
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new JwtError('malformed');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new JwtError('malformed');
  const payload = parsed as JwtClaims;

  for (const claim of options.requiredClaims ?? []) {
    if (payload[claim] === undefined) throw new JwtError('claim_invalid', claim);
  }
  for (const claim of ['iat', 'exp', 'nbf'] as const) {
    if (payload[claim] !== undefined && !isNumericDate(payload[claim])) {
      throw new JwtError('claim_invalid', claim);
    }
  }
  if (options.issuer !== undefined && payload.iss !== options.issuer)
    throw new JwtError('claim_invalid', 'iss');
  if (options.audience !== undefined) {
    const aud = payload.aud;
    const ok =
      typeof aud === 'string'
        ? aud === options.audience
        : Array.isArray(aud) && aud.includes(options.audience);
    if (!ok) throw new JwtError('claim_invalid', 'aud');
  }
  const tolerance = options.clockTolerance ?? 0;
  const now = Math.floor((options.currentDate ?? new Date()).getTime() / 1000);
  if (payload.nbf !== undefined && payload.nbf > now + tolerance) throw new JwtError('claim_invalid', 'nbf');
  if (payload.exp !== undefined && payload.exp <= now - tolerance) throw new JwtError('expired', 'exp');
  if (options.maxTokenAge !== undefined) {
    if (payload.iat === undefined) throw new JwtError('claim_invalid', 'iat');
    const age = now - payload.iat;
    if (age - tolerance > options.maxTokenAge) throw new JwtError('expired', 'iat');
    if (age < -tolerance) throw new JwtError('claim_invalid', 'iat');
  }
  return { header, payload };
}
