import {
  isRefusalCode,
  type TCredentialBundleAnswer,
  ZBundleRefusal,
  ZCredentialBundleAnswer,
} from '@delta/contracts';
import type { DeltaPreset } from '@delta/delta-client';
import { AppError, httpFetch } from '@delta/server-kit';
import type { ReplayCache, ServiceKeys } from '@delta/service-auth';
import { type ExchangeCredential, importSigningJwk, openCredentialBundle } from '@delta/vault';
import type { CryptoKey, JWK } from 'jose';
import { Refusal } from '../refusal.ts';
import type { PortalClient } from './portal-client.ts';

export interface BundleRequest {
  credentialRef: string;
  approvalId: string;
  customerId: string;
  correlationId: string;
}

/**
 * Opens the credential bundle for a consumed approval (keys in memory only): `sealed`, the one that came with the
 * consumption, or else one asked of the portal's bundle endpoint.
 */
export type BundleOpener = (req: BundleRequest, sealed?: TCredentialBundleAnswer) => Promise<OpenedBundle>;

export interface OpenedBundle {
  credential: ExchangeCredential;
  environment: DeltaPreset;
}

/** A portal's public signing key from its JWKS (bundles are signed by the portal that holds the keys). */
export function createPortalSigningKeys(jwksUrls: { pp?: string; cp?: string }, maxAgeMs = 5 * 60_000) {
  const cache = new Map<string, { key: CryptoKey; at: number }>();
  return async function signingKey(owner: 'pp' | 'cp'): Promise<CryptoKey> {
    const hit = cache.get(owner);
    if (hit && Date.now() - hit.at < maxAgeMs) return hit.key;
    const url = jwksUrls[owner];
    if (!url) throw new Error(`no JWKS URL for ${owner}`);
    const res = await httpFetch(url, { signal: AbortSignal.timeout(10_000) });
    const body = (await res.json()) as { keys?: JWK[] };
    const jwk = body.keys?.find((k) => k.use === 'sig' && k.crv === 'Ed25519');
    if (!jwk) throw new Error(`${owner} JWKS has no Ed25519 signing key`);
    const key = await importSigningJwk(jwk);
    cache.set(owner, { key, at: Date.now() });
    return key;
  };
}

type BundleDeps = {
  portals: PortalClient;
  keys: ServiceKeys;
  portalSigningKey: (owner: 'pp' | 'cp') => Promise<CryptoKey>;
  replay: ReplayCache;
};

/**
 * Opens the short-lived credential bundle for one consumed approval in memory: encrypted to Plant's X25519 key,
 * signed by the owning portal, bound to this approval and credential, ≤ 60 s. `sealed` is the bundle the portal
 * returned with the approval's consumption; without it the portal's bundle endpoint is asked. Either way it is
 * checked and opened the same way. The keys live only in the returned object (which redacts itself when logged or
 * serialised) and are never stored. A bundle is opened once: its jti is claimed in `replay` (the database, so
 * across Plant instances), and a second opening is refused (bundle_replayed) before its keys are used.
 */
export async function fetchCredentialBundle(
  deps: BundleDeps,
  req: BundleRequest,
  sealed?: TCredentialBundleAnswer,
): Promise<OpenedBundle> {
  const owner = deps.portals.ownerOf(req.credentialRef);
  if (!owner) throw new Refusal('credential_unknown', 'The exchange account is not a vault credential.');
  const bundle = sealed ?? (await askForBundle(deps, owner, req));
  let signingKey: CryptoKey;
  try {
    signingKey = await deps.portalSigningKey(owner);
  } catch {
    throw new Refusal('vault_unavailable', "The vault's signing key could not be fetched; nothing was sent.");
  }
  let opened: Awaited<ReturnType<typeof openCredentialBundle>>;
  try {
    opened = await openCredentialBundle(bundle.credential_bundle, {
      plantPrivateKey: deps.keys.encryption.privateKey,
      issuerPublicKeys: { [owner]: signingKey },
      expectedAudience: 'plant',
      expectedApprovalId: req.approvalId,
      expectedCredentialRef: req.credentialRef,
    });
  } catch (err) {
    // The vault says why a bundle does not open (bundle_expired, bundle_wrong_approval, …); any other failure is
    // a malformed bundle. The vault's errors never carry the payload.
    const code = err instanceof AppError && isRefusalCode(err.reason) ? err.reason : 'bundle_invalid';
    throw new Refusal(
      code,
      err instanceof AppError ? err.message : 'The credential bundle cannot be opened.',
    );
  }
  let fresh: boolean;
  try {
    fresh = await deps.replay.claim(`bundle:${opened.issuer}:${opened.jti}`, opened.expires_at);
  } catch {
    throw new Refusal('vault_unavailable', 'The credential bundle cannot be checked now; nothing was sent.');
  }
  if (!fresh)
    throw new Refusal('bundle_replayed', 'This credential bundle was already used; nothing was sent.');
  return { credential: opened.credential, environment: bundle.environment };
}

/**
 * The portal's bundle endpoint: a bundle that parses (ZCredentialBundleAnswer), or a refusal — the portal's own
 * reason when it gives one of its documented ones (ZBundleRefusal), else `bundle_unavailable`. Fail closed: an
 * answer of any other shape is a refusal, never a bundle.
 */
async function askForBundle(
  deps: BundleDeps,
  owner: 'pp' | 'cp',
  req: BundleRequest,
): Promise<TCredentialBundleAnswer> {
  let answer: Awaited<ReturnType<PortalClient['post']>>;
  try {
    answer = await deps.portals.post(
      owner,
      '/internal/v1/credential-bundles',
      { approval_id: req.approvalId, credential_ref: req.credentialRef, customer_id: req.customerId },
      req.correlationId,
    );
  } catch {
    throw new Refusal('vault_unavailable', 'The credential vault could not be reached; nothing was sent.');
  }
  const bundle = answer.status === 200 ? ZCredentialBundleAnswer.safeParse(answer.body) : undefined;
  if (bundle?.success) return bundle.data;
  // The vault's reason, on the status the catalogue gives it (403, or 404 for a key it does not have).
  const refusal =
    answer.status === 403 || answer.status === 404 ? ZBundleRefusal.safeParse(answer.body) : undefined;
  throw new Refusal(
    refusal?.success ? refusal.data.reason : 'bundle_unavailable',
    'The vault refused a credential bundle for this approval; nothing was sent.',
  );
}
