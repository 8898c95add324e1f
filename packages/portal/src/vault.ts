import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type Db, defaultDataDir } from '@delta/server-kit';
import {
  createCredentialStore,
  generateMasterKey,
  type MasterKeyring,
  masterKeyringFromEnv,
} from '@delta/vault';
import type { PortalId } from './portal-id.ts';

/**
 * The master keyring: VAULT_MASTER_KEYS / VAULT_MASTER_KEY when set (production: from a secret manager);
 * in development a key generated once into .data/keys/<portal>-vault-master.keys (mode 0600, never committed).
 */
export function loadKeyring(
  portal: PortalId,
  env: Record<string, string | undefined> = process.env,
): MasterKeyring {
  if (env.VAULT_MASTER_KEYS || env.VAULT_MASTER_KEY) return masterKeyringFromEnv(env);
  if (env.NODE_ENV === 'production') throw new Error('VAULT_MASTER_KEYS must be set in production');
  const file = join(defaultDataDir('keys'), `${portal}-vault-master.keys`);
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `v1:${generateMasterKey()}`, { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return masterKeyringFromEnv({ VAULT_MASTER_KEYS: readFileSync(file, 'utf8').trim() });
}

/** A portal's credential vault: its keyring and the store of its customers' exchange keys (`cred_<portal>_…`). */
export function createVault(db: Db, portal: PortalId, keyring: MasterKeyring = loadKeyring(portal)) {
  return { portal, keyring, store: createCredentialStore({ db, keyring, owner: portal }) };
}
export type Vault = ReturnType<typeof createVault>;
