import { fileURLToPath } from 'node:url';
import { composeMigrations, loadMigrations, type Migration } from '@delta/server-kit';
import { replayCacheMigrations } from '@delta/service-auth';

export const GATEWAY_MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));

/** Every table the gateway needs: the shared replay cache (portal token ids), then its own. */
export function gatewayMigrations(): Migration[] {
  return composeMigrations(replayCacheMigrations(), loadMigrations(GATEWAY_MIGRATIONS_DIR, 'plant-gateway'));
}
