import { httpFetch } from '@delta/server-kit';
import { createRemoteJWKSet, customFetch, type JWK, type RemoteJWKSet } from 'jose';

/**
 * The one way a service reads another's published keys (/.well-known/jwks.json): jose's remote key set — cached
 * (10 min), refetched when an unknown kid turns up (at most every 5 s), 3 s to answer — over the services'
 * keep-alive HTTP client. Used for every caller's tokens, the portals' bundle signatures (Plant) and Plant's
 * bundle encryption key (the portals).
 */
export function remoteJwks(url: string): RemoteJWKSet {
  return createRemoteJWKSet(new URL(url), {
    cooldownDuration: 5_000,
    timeoutDuration: 3_000,
    [customFetch]: (resource, options) => httpFetch(resource, options) as unknown as Promise<Response>,
  });
}

/** The signature key a service publishes for `alg` (each publishes one per algorithm): to verify what it signs. */
export function remoteVerificationKey(url: string, alg: 'EdDSA'): () => Promise<CryptoKey> {
  const set = remoteJwks(url);
  return async () => (await set({ alg }, { payload: '', signature: '' })) as CryptoKey;
}

/**
 * The X25519 key a service publishes for encryption (`use: "enc"`): to encrypt to it. jose's key set selects only
 * signature keys, so this one is picked from the same cached document.
 */
export function remoteEncryptionKey(url: string): () => Promise<JWK> {
  const set = remoteJwks(url);
  return async () => {
    if (!set.fresh) await set.reload();
    const jwk = set.jwks()?.keys.find((k) => k.use === 'enc' && k.kty === 'OKP' && k.crv === 'X25519');
    if (!jwk) throw new Error(`${url} publishes no X25519 encryption key`);
    return jwk;
  };
}
