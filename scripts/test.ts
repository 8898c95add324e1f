/**
 * `npm test`: every unit and integration test (vitest) on embedded PGlite — or on PostgreSQL when
 * TEST_DATABASE_URL is set — then the browser tests in e2e/ when Chromium is installed. Ends with
 * `N passed, N failed`. `npm test -- --no-e2e` skips the browser tests; other arguments go to vitest.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type VitestJson, vitestCounts } from './vitest-counts.ts';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const args = process.argv.slice(2);
const noE2e = args.includes('--no-e2e');
const vitestArgs = args.filter((a) => a !== '--no-e2e');
const engine = process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite';
const resultsDir = join(root, '.test-results');
mkdirSync(resultsDir, { recursive: true });

function runVitest(label: string, extra: string[]): { passed: number; failed: number } {
  const out = join(resultsDir, `${label}.json`);
  console.log(`\n=== ${label} ===`);
  const r = spawnSync(
    'npx',
    ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...extra],
    { cwd: root, stdio: 'inherit', env: process.env },
  );
  if (!existsSync(out)) return { passed: 0, failed: 1 };
  const counts = vitestCounts(JSON.parse(readFileSync(out, 'utf8')) as VitestJson);
  // A run that failed with nothing counted (vitest itself broke) is a failure all the same.
  return r.status !== 0 && counts.failed === 0 ? { ...counts, failed: 1 } : counts;
}

const totals = { passed: 0, failed: 0 };
const add = (r: { passed: number; failed: number }) => {
  totals.passed += r.passed;
  totals.failed += r.failed;
};

add(runVitest(`tests-${engine}`, vitestArgs));

const e2eConfig = join(root, 'e2e', 'vitest.config.ts');
if (!noE2e && existsSync(e2eConfig)) {
  const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (existsSync(chromium)) add(runVitest('e2e-browser', ['--config', e2eConfig]));
  else
    console.log(
      `\nbrowser tests NOT run: no Chromium at ${chromium} (apt-get install -y chromium, or set CHROMIUM_PATH)`,
    );
}

console.log(`\n${totals.passed} passed, ${totals.failed} failed`);
process.exit(totals.failed > 0 ? 1 : 0);
