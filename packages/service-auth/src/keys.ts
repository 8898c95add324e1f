import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';

/** A service's signing key (Ed25519, for service JWTs) and encryption key (X25519, to receive credential bundles). */
export interface ServiceKeys {
  service: string;
  signing: { kid: string; privateKey: CryptoKey; publicJwk: JWK };
  encryption: { kid: string; privateKey: CryptoKey; publicJwk: JWK };
}

interface StoredKeys {
  service: string;
  signing: { kid: string; private: JWK };
  encryption: { kid: string; private: JWK };
}

function publicOf(jwk: JWK): JWK {
  const { d: _d, ...pub } = jwk;
  return pub;
}

async function fromStored(s: StoredKeys): Promise<ServiceKeys> {
  return {
    service: s.service,
    signing: {
      kid: s.signing.kid,
      privateKey: (await importJWK(s.signing.private, 'EdDSA')) as CryptoKey,
      publicJwk: { ...publicOf(s.signing.private), kid: s.signing.kid, alg: 'EdDSA', use: 'sig' },
    },
    encryption: {
      kid: s.encryption.kid,
      privateKey: (await importJWK(s.encryption.private, 'ECDH-ES+A256KW')) as CryptoKey,
      publicJwk: {
        ...publicOf(s.encryption.private),
        kid: s.encryption.kid,
        alg: 'ECDH-ES+A256KW',
        use: 'enc',
      },
    },
  };
}

export async function generateServiceKeys(service: string): Promise<StoredKeys> {
  const sig = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const enc = await generateKeyPair('ECDH-ES+A256KW', { crv: 'X25519', extractable: true });
  const stamp = new Date().toISOString().slice(0, 10);
  return {
    service,
    signing: {
      kid: `${service}-sig-${stamp}-${crypto.randomUUID().slice(0, 8)}`,
      private: await exportJWK(sig.privateKey),
    },
    encryption: {
      kid: `${service}-enc-${stamp}-${crypto.randomUUID().slice(0, 8)}`,
      private: await exportJWK(enc.privateKey),
    },
  };
}

/**
 * The service's keys: from SERVICE_KEYS_JSON when set (production: a secret store injects it), otherwise from
 * `file`, generated there on first start with mode 0600 (development). Never committed, never logged.
 */
export async function loadOrCreateServiceKeys(
  service: string,
  file: string,
  inline?: string,
): Promise<ServiceKeys> {
  if (inline) return fromStored(JSON.parse(inline) as StoredKeys);
  if (existsSync(file)) return fromStored(JSON.parse(readFileSync(file, 'utf8')) as StoredKeys);
  const stored = await generateServiceKeys(service);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(stored), { mode: 0o600 });
  chmodSync(file, 0o600);
  return fromStored(stored);
}

/** In-memory keys for tests and benchmarks. */
export async function ephemeralServiceKeys(service: string): Promise<ServiceKeys> {
  return fromStored(await generateServiceKeys(service));
}

/** The public JWKS document a service serves at /.well-known/jwks.json. */
export function publicJwks(keys: ServiceKeys): { keys: JWK[] } {
  return { keys: [keys.signing.publicJwk, keys.encryption.publicJwk] };
}
