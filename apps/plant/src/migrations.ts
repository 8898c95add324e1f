import { fileURLToPath } from 'node:url';
import { composeMigrations, loadMigrations, type Migration } from '@delta/server-kit';
import { replayCacheMigrations } from '@delta/service-auth';

export const PLANT_MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));

/** Every table Plant needs: the shared replay cache (assertion and bundle ids), then its own. */
export function plantMigrations(): Migration[] {
  return composeMigrations(replayCacheMigrations(), loadMigrations(PLANT_MIGRATIONS_DIR, 'plant'));
}
