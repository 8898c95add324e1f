import { type ApprovalLedger, createApprovalLedger } from '@delta/approval-ledger';
import type { App, Db } from '@delta/server-kit';
import {
  createServiceTokenVerifier,
  publicJwks,
  remoteEncryptionKey,
  type ServiceKeys,
} from '@delta/service-auth';
import type { JWK } from 'jose';
import type { MintDeps } from './approvals.ts';
import { createPortalAudit, type PortalAudit } from './audit-log.ts';
import type { CredentialDeps } from './credentials.ts';
import { registerInternalApi } from './internal-api.ts';
import { createPlantClient, type PlantClient } from './plant-client.ts';
import type { PortalId } from './portal-id.ts';
import { createVault, type Vault } from './vault.ts';

export interface PortalCoreOptions {
  portal: PortalId;
  db: Db;
  keys: ServiceKeys;
  plantGatewayUrl: string;
  /** Plant's public keys: its EdDSA key (verifies Plant's calls to /internal) and X25519 key (bundles). */
  plantJwksUrl: string;
  paperUrl: string;
  approvalTtlSeconds: number;
  /** How long after an approval's consumption Plant may still get its key (longer than Plant's reconciliation). */
  bundleWindowSeconds: number;
  /** Tests pass a vault with a fixed keyring; by default the portal's own (loadKeyring). */
  vault?: Vault;
  /** Plant's X25519 key for bundles; defaults to fetching plantJwksUrl. */
  plantEncryptionKey?: () => Promise<JWK | CryptoKey>;
}

export interface PortalCore {
  portal: PortalId;
  audit: PortalAudit;
  vault: Vault;
  ledger: ApprovalLedger;
  plant: PlantClient;
  /** What the credential operations need (storeCredential, rotateCredential, …). */
  credentials: CredentialDeps;
  /** What mintApproval needs. */
  approvals: MintDeps;
}

/**
 * What every portal shares, registered on its app: the Plant-facing internal API (consume with bundle, bundle,
 * approval status, account reads), the JWKS Plant verifies bundles with, and the services the portal's own routes
 * call (credentials, approvals, the typed Plant client, the audit log). A portal adds its identities and its
 * evidence of consent; the rest is this.
 */
export function registerPortalCore(app: App, o: PortalCoreOptions): PortalCore {
  const audit = createPortalAudit(o.portal);
  const vault = o.vault ?? createVault(o.db, o.portal);
  const ledger = createApprovalLedger({ db: o.db, defaultTtlSeconds: o.approvalTtlSeconds });
  const plant = createPlantClient({ gatewayUrl: o.plantGatewayUrl, keys: o.keys, issuer: o.portal });

  app.get('/.well-known/jwks.json', { schema: { hide: true } }, async () => publicJwks(o.keys));
  registerInternalApi(app, {
    db: o.db,
    audit,
    ledger,
    vault,
    keys: o.keys,
    verifyPlant: createServiceTokenVerifier({
      audience: o.portal,
      issuers: { plant: { jwksUrl: o.plantJwksUrl } },
    }),
    // Plant's X25519 key, which every credential bundle is encrypted to.
    plantEncryptionKey: o.plantEncryptionKey ?? remoteEncryptionKey(o.plantJwksUrl),
    bundleWindowSeconds: o.bundleWindowSeconds,
    paperUrl: o.paperUrl,
  });
  return {
    portal: o.portal,
    audit,
    vault,
    ledger,
    plant,
    credentials: { db: o.db, audit, vault, paperUrl: o.paperUrl },
    approvals: { db: o.db, audit, ledger, plant, vault, ttlSeconds: o.approvalTtlSeconds },
  };
}
