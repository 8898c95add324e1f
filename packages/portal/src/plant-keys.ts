import type { JWK } from 'jose';

/**
 * Plant's public encryption key (X25519, `use: "enc"` in its JWKS), fetched and cached. Credential bundles are
 * encrypted to it, so only Plant can open them. Refreshed when older than `maxAgeMs`.
 */
export function createPlantEncryptionKeySource(jwksUrl: string, maxAgeMs = 5 * 60_000) {
  let cached: { jwk: JWK; at: number } | undefined;
  return async function plantEncryptionKey(): Promise<JWK> {
    if (cached && Date.now() - cached.at < maxAgeMs) return cached.jwk;
    const res = await fetch(jwksUrl, { signal: AbortSignal.timeout(3_000) });
    if (!res.ok) throw new Error(`Plant JWKS answered ${res.status}`);
    const body = (await res.json()) as { keys?: JWK[] };
    const jwk = body.keys?.find((k) => k.use === 'enc' && k.crv === 'X25519');
    if (!jwk) throw new Error('Plant JWKS has no X25519 encryption key');
    cached = { jwk, at: Date.now() };
    return jwk;
  };
}
