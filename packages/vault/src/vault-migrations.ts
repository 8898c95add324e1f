import { fileURLToPath } from 'node:url';
import { loadMigrations, type Migration } from '@delta/server-kit';

export const VAULT_MIGRATION_SOURCE = 'vault';

/** The vault's tables, for a portal service's `sharedMigrations`. */
export function vaultMigrations(): Migration[] {
  return loadMigrations(fileURLToPath(new URL('../migrations', import.meta.url)), VAULT_MIGRATION_SOURCE);
}
