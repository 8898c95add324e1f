import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** The monorepo root: the nearest folder above this package whose package.json declares workspaces. */
export function repoRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && 'workspaces' in JSON.parse(readFileSync(pkg, 'utf8'))) {
      cached = dir;
      return dir;
    }
    const up = dirname(dir);
    if (up === dir) throw new Error('repository root not found');
    dir = up;
  }
}

/** Where a service keeps its embedded database unless DATA_DIR says otherwise: `<repo>/.data/<service>`. */
export function defaultDataDir(service: string, dataRoot = process.env.DATA_ROOT): string {
  return resolve(dataRoot ?? join(repoRoot(), '.data'), service);
}
