import { randomUUID } from 'node:crypto';
import { AppError } from '@delta/server-kit';
import { type JwtClaims, JwtError, signJwt, verifyJwt } from '@delta/service-auth';
import { CompactEncrypt, compactDecrypt } from 'jose';
import { z } from 'zod';
import {
  BUNDLE_CONTENT_ENCRYPTION,
  BUNDLE_KEY_ALGORITHM,
  type CryptoKey,
  importEncryptionJwk,
  importSigningJwk,
  type JWK,
} from './bundle-keys.ts';
import { ExchangeCredential } from './exchange-credential.ts';
import { type CredentialOwner, credentialOwner } from './ids.ts';

/** Rule 3: a bundle lives at most this long. Issuers refuse longer, and Plant refuses longer bundles too. */
export const MAX_BUNDLE_TTL_SECONDS = 60;
const DEFAULT_BUNDLE_TTL_SECONDS = 30;
const DEFAULT_CLOCK_TOLERANCE_SECONDS = 5;
const MAX_CLOCK_TOLERANCE_SECONDS = 30;

const ZApprovalId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

export interface IssueCredentialBundleOptions {
  credential: ExchangeCredential;
  approvalId: string;
  credentialRef: string;
  audience: string;
  /** Plant's X25519 public key. */
  plantPublicJwk: JWK | CryptoKey;
  /** 1…60; default 30. */
  ttlSeconds?: number;
  /** The portal issuing it; must own `credentialRef` (its prefix says which portal). */
  issuer: CredentialOwner;
  /** The issuer's Ed25519 private key. */
  issuerSigningKey: CryptoKey;
  issuerKeyId?: string;
  /** Clock for tests; default now. */
  now?: Date;
  /** The bundle's id, when the issuer records it before issuing; default a fresh UUID. */
  jti?: string;
}

export interface IssuedCredentialBundle {
  /** Compact JWE. Named so that the loggers' redaction removes it if someone logs the object. */
  credential_bundle: string;
  jti: string;
  expires_at: Date;
}

function refuse(status: number, reason: string, detail: string): AppError {
  // Never attach the jose error as cause: claim errors carry the decrypted payload (the secret) on them.
  return new AppError(status, reason, detail);
}

/** Imported keys, per JWK object and importer: callers pass the same cached JWK on every bundle. */
const imported = new WeakMap<object, Map<unknown, Promise<CryptoKey>>>();

async function asKey(
  key: JWK | CryptoKey,
  importer: (jwk: unknown) => Promise<CryptoKey>,
): Promise<CryptoKey> {
  if ('type' in key && 'algorithm' in key) return key as CryptoKey;
  let byImporter = imported.get(key);
  if (!byImporter) {
    byImporter = new Map();
    imported.set(key, byImporter);
  }
  let pending = byImporter.get(importer);
  if (!pending) {
    pending = importer(key);
    byImporter.set(importer, pending);
    // A key that fails to import is not remembered: the next call tries again (and fails the same way).
    const cache = byImporter;
    pending.catch(() => cache.delete(importer));
  }
  return pending;
}

/**
 * Issuer side: the keys for one approved execution, signed by the portal (EdDSA, fast-jwt through
 * @delta/service-auth) and then encrypted to Plant (ECDH-ES+A256KW, A256GCM, jose). Bound to the approval and
 * credential, audience-restricted, expiring in ≤ 60 s.
 */
export async function issueCredentialBundle(
  options: IssueCredentialBundleOptions,
): Promise<IssuedCredentialBundle> {
  const ttl = options.ttlSeconds ?? DEFAULT_BUNDLE_TTL_SECONDS;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_BUNDLE_TTL_SECONDS) {
    throw refuse(
      500,
      'bundle_ttl_invalid',
      `A credential bundle lives 1…${MAX_BUNDLE_TTL_SECONDS} s; got ${ttl}.`,
    );
  }
  if (credentialOwner(options.credentialRef) !== options.issuer) {
    throw refuse(
      500,
      'bundle_wrong_issuer',
      `Portal ${options.issuer} does not own ${options.credentialRef}.`,
    );
  }
  if (!ZApprovalId.safeParse(options.approvalId).success) {
    throw refuse(500, 'bundle_bad_approval_id', 'The approval id is malformed.');
  }
  if (!(options.credential instanceof ExchangeCredential)) {
    throw refuse(500, 'bundle_bad_credential', 'The credential must be an ExchangeCredential.');
  }
  const iat = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const jti = options.jti ?? randomUUID();
  // A JWK is checked (X25519, nothing else) and imported once per object, as before.
  const plantKey = await asKey(options.plantPublicJwk, importEncryptionJwk);
  const signed = signJwt(
    {
      approval_id: options.approvalId,
      credential_ref: options.credentialRef,
      api_key: options.credential.apiKey,
      api_secret: options.credential.apiSecret,
      iss: options.issuer,
      aud: options.audience,
      iat,
      exp: iat + ttl,
      jti,
    },
    options.issuerSigningKey,
    options.issuerKeyId || undefined,
  );
  // The suite is stated here, never taken from anywhere else; jose makes a fresh ephemeral key, CEK and IV.
  const jwe = await new CompactEncrypt(new TextEncoder().encode(signed))
    .setProtectedHeader({ alg: BUNDLE_KEY_ALGORITHM, enc: BUNDLE_CONTENT_ENCRYPTION, cty: 'JWT' })
    .encrypt(plantKey);
  return { credential_bundle: jwe, jti, expires_at: new Date((iat + ttl) * 1000) };
}

export interface OpenCredentialBundleOptions {
  /** Plant's X25519 private key. */
  plantPrivateKey: JWK | CryptoKey;
  /** Each portal's Ed25519 public key; the bundle must be signed by the portal that owns the credential. */
  issuerPublicKeys: Partial<Record<CredentialOwner, JWK | CryptoKey>>;
  expectedAudience: string;
  expectedApprovalId: string;
  expectedCredentialRef: string;
  /** Seconds of clock skew allowed (default 5, at most 30). */
  clockToleranceSeconds?: number;
  now?: Date;
}

export interface OpenedCredentialBundle {
  credential: ExchangeCredential;
  approval_id: string;
  credential_ref: string;
  issuer: CredentialOwner;
  jti: string;
  issued_at: Date;
  expires_at: Date;
}

const ZBundleClaims = z.object({
  approval_id: z.string(),
  credential_ref: z.string(),
  api_key: z.string(),
  api_secret: z.string(),
  iat: z.number().int(),
  exp: z.number().int(),
  jti: z.string().min(1),
});

function claimReason(err: unknown): [string, string] {
  if (err instanceof JwtError && err.failure === 'expired')
    return ['bundle_expired', 'The credential bundle has expired.'];
  if (err instanceof JwtError && err.failure === 'claim_invalid') {
    if (err.claim === 'aud')
      return ['bundle_wrong_audience', 'The credential bundle is for another audience.'];
    if (err.claim === 'iss')
      return ['bundle_wrong_issuer', 'The credential bundle comes from the wrong portal.'];
    if (err.claim === 'iat') return ['bundle_expired', 'The credential bundle is too old or not yet valid.'];
    return ['bundle_invalid', `The credential bundle's ${err.claim} claim is invalid.`];
  }
  return ['bundle_signature_invalid', 'The credential bundle is not signed by the owning portal.'];
}

/**
 * Plant side: decrypts and verifies a bundle, and refuses it unless it is unexpired (≤ 60 s lifetime), for
 * this audience, signed by the portal that owns the credential, and bound to exactly this approval and
 * credential. Errors are 403 AppErrors with a `bundle_*` reason and never carry the payload. Opening is pure: the
 * one-time use of a bundle is the opener's check, on the returned `jti` and `expires_at` (Plant claims them in its
 * database replay cache, @delta/service-auth's createReplayCache, and refuses a second opening: bundle_replayed).
 */
export async function openCredentialBundle(
  jwe: string,
  options: OpenCredentialBundleOptions,
): Promise<OpenedCredentialBundle> {
  const tolerance = options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;
  if (tolerance < 0 || tolerance > MAX_CLOCK_TOLERANCE_SECONDS) {
    throw refuse(
      500,
      'bundle_tolerance_invalid',
      `Clock tolerance must be 0…${MAX_CLOCK_TOLERANCE_SECONDS} s.`,
    );
  }
  const issuer = credentialOwner(options.expectedCredentialRef);
  const issuerKey = issuer ? options.issuerPublicKeys[issuer] : undefined;
  if (!issuer || !issuerKey) {
    throw refuse(403, 'bundle_wrong_issuer', `No trusted issuer key for ${options.expectedCredentialRef}.`);
  }
  const now = options.now ?? new Date();

  let inner: string;
  try {
    const privateKey = await asKey(options.plantPrivateKey, importEncryptionJwk);
    // Pinned to the one suite: jose refuses any other alg or enc, `zip`, and a `crit` it does not know.
    const { plaintext, protectedHeader } = await compactDecrypt(jwe, privateKey, {
      keyManagementAlgorithms: [BUNDLE_KEY_ALGORITHM],
      contentEncryptionAlgorithms: [BUNDLE_CONTENT_ENCRYPTION],
    });
    if (protectedHeader.cty !== 'JWT') throw new Error('not a nested JWT');
    inner = new TextDecoder().decode(plaintext);
  } catch {
    throw refuse(403, 'bundle_undecryptable', 'The credential bundle cannot be decrypted with this key.');
  }

  let payload: JwtClaims;
  try {
    const verified = verifyJwt(inner, await asKey(issuerKey, importSigningJwk), {
      issuer,
      audience: options.expectedAudience,
      ...(options.now !== undefined ? { currentDate: now } : {}),
      clockTolerance: tolerance,
      maxTokenAge: MAX_BUNDLE_TTL_SECONDS + tolerance,
      requiredClaims: ['iat', 'exp', 'jti'],
    });
    payload = verified.payload;
  } catch (err) {
    const [reason, detail] = claimReason(err);
    throw refuse(403, reason, detail);
  }

  const claims = ZBundleClaims.safeParse(payload);
  if (!claims.success) throw refuse(403, 'bundle_invalid', 'The credential bundle is missing claims.');
  const c = claims.data;
  if (c.exp - c.iat > MAX_BUNDLE_TTL_SECONDS) {
    throw refuse(
      403,
      'bundle_ttl_too_long',
      `The credential bundle lives longer than ${MAX_BUNDLE_TTL_SECONDS} s.`,
    );
  }
  if (c.iat > Math.floor(now.getTime() / 1000) + tolerance) {
    throw refuse(403, 'bundle_not_yet_valid', 'The credential bundle was issued in the future.');
  }
  if (c.approval_id !== options.expectedApprovalId) {
    throw refuse(403, 'bundle_wrong_approval', 'The credential bundle is bound to another approval.');
  }
  if (c.credential_ref !== options.expectedCredentialRef) {
    throw refuse(403, 'bundle_wrong_credential', 'The credential bundle is for another credential.');
  }
  let credential: ExchangeCredential;
  try {
    credential = new ExchangeCredential({ api_key: c.api_key, api_secret: c.api_secret });
  } catch {
    throw refuse(403, 'bundle_invalid', 'The credential bundle holds no valid key.');
  }
  return {
    credential,
    approval_id: c.approval_id,
    credential_ref: c.credential_ref,
    issuer,
    jti: c.jti,
    issued_at: new Date(c.iat * 1000),
    expires_at: new Date(c.exp * 1000),
  };
}
