import type { DeltaPreset } from '@delta/delta-client';
import { AppError, httpFetch } from '@delta/server-kit';
import type { ReplayCache, ServiceKeys } from '@delta/service-auth';
import { type ExchangeCredential, importSigningJwk, openCredentialBundle } from '@delta/vault';
import type { CryptoKey, JWK } from 'jose';
import type { PortalClient } from './portal-client.ts';
import type { BundleAnswer } from './prefetched-bundles.ts';

export interface BundleRequest {
  credentialRef: string;
  approvalId: string;
  customerId: string;
  correlationId: string;
}

/** Opens the credential bundle for a consumed approval (keys in memory only). */
export type BundleOpener = (req: BundleRequest) => Promise<OpenedBundle>;

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

const ENVIRONMENTS = new Set(['india', 'india-testnet', 'paper']);

/**
 * Fetches the short-lived credential bundle for one consumed approval and opens it in memory: encrypted to
 * Plant's X25519 key, signed by the owning portal, bound to this approval and credential, ≤ 60 s. The keys
 * live only in the returned object (which redacts itself when logged or serialised) and are never stored.
 * `prefetched` is the bundle the portal already returned with the approval's consumption: it is checked and
 * opened exactly like a fetched one. A bundle is opened once: its jti is claimed in `replay` (the database, so
 * across Plant instances), and a second opening is refused (403 bundle_replayed) before its keys are used.
 */
export async function fetchCredentialBundle(
  deps: {
    portals: PortalClient;
    keys: ServiceKeys;
    portalSigningKey: (owner: 'pp' | 'cp') => Promise<CryptoKey>;
    replay: ReplayCache;
  },
  req: BundleRequest,
  prefetched?: BundleAnswer,
): Promise<OpenedBundle> {
  const owner = deps.portals.ownerOf(req.credentialRef);
  if (!owner)
    throw AppError.forbidden('credential_unknown', 'The exchange account is not a vault credential.');
  let answer: Awaited<ReturnType<PortalClient['post']>>;
  try {
    answer = prefetched
      ? { status: 200, body: { ...prefetched } }
      : await deps.portals.post(
          owner,
          '/internal/v1/credential-bundles',
          { approval_id: req.approvalId, credential_ref: req.credentialRef, customer_id: req.customerId },
          req.correlationId,
        );
  } catch {
    throw new AppError(
      503,
      'vault_unavailable',
      'The credential vault could not be reached; nothing was sent.',
    );
  }
  const jwe = answer.body.credential_bundle;
  const environment = answer.body.environment;
  if (
    answer.status !== 200 ||
    typeof jwe !== 'string' ||
    typeof environment !== 'string' ||
    !ENVIRONMENTS.has(environment)
  ) {
    const reason = typeof answer.body.reason === 'string' ? answer.body.reason : 'bundle_unavailable';
    throw AppError.forbidden(
      reason,
      'The vault refused a credential bundle for this approval; nothing was sent.',
    );
  }
  let signingKey: CryptoKey;
  try {
    signingKey = await deps.portalSigningKey(owner);
  } catch {
    throw new AppError(
      503,
      'vault_unavailable',
      "The vault's signing key could not be fetched; nothing was sent.",
    );
  }
  const opened = await openCredentialBundle(jwe, {
    plantPrivateKey: deps.keys.encryption.privateKey,
    issuerPublicKeys: { [owner]: signingKey },
    expectedAudience: 'plant',
    expectedApprovalId: req.approvalId,
    expectedCredentialRef: req.credentialRef,
  });
  let fresh: boolean;
  try {
    fresh = await deps.replay.claim(`bundle:${opened.issuer}:${opened.jti}`, opened.expires_at);
  } catch {
    throw new AppError(
      503,
      'vault_unavailable',
      'The credential bundle cannot be checked now; nothing was sent.',
    );
  }
  if (!fresh)
    throw AppError.forbidden('bundle_replayed', 'This credential bundle was already used; nothing was sent.');
  return { credential: opened.credential, environment: environment as DeltaPreset };
}
