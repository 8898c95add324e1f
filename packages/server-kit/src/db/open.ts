import { openPglite } from './pglite.ts';
import { openPostgres } from './postgres.ts';
import type { Db } from './types.ts';

export interface DatabaseLocation {
  /** PostgreSQL connection string; when set, it wins. */
  url?: string;
  /** Folder of the embedded database; undefined with no url = in memory. */
  dataDir?: string;
  poolSize?: number;
}

export function openDatabase(location: DatabaseLocation): Promise<Db> {
  if (location.url) return openPostgres(location.url, { max: location.poolSize });
  return openPglite(location.dataDir);
}

/** Which engine a location points at, for start-up banners. Never prints credentials. */
export function describeDatabase(location: DatabaseLocation): string {
  if (location.url) {
    const u = new URL(location.url);
    return `postgresql://${u.hostname}:${u.port || '5432'}${u.pathname}`;
  }
  return location.dataDir ? `pglite:${location.dataDir}` : 'pglite:memory';
}
