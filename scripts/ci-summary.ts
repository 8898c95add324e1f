/** Sums every vitest JSON report in .test-results/ plus the lint/type-check results into one closing line. */

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type VitestJson, vitestCounts } from './vitest-counts.ts';

const dir = process.argv[2] ?? '.test-results';
let passed = 0;
let failed = 0;
if (existsSync(dir)) {
  for (const f of readdirSync(dir).sort()) {
    const text = readFileSync(join(dir, f), 'utf8');
    if (f.endsWith('.json')) {
      const counts = vitestCounts(JSON.parse(text) as VitestJson);
      console.log(`  ${f}: ${counts.passed} passed, ${counts.failed} failed`);
      passed += counts.passed;
      failed += counts.failed;
    } else if (f.endsWith('.check')) {
      const ok = text.trim() === 'pass';
      console.log(`  ${f.replace('.check', '')}: ${ok ? 'passed' : 'FAILED'}`);
      if (ok) passed++;
      else failed++;
    }
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
