/** Sums every vitest JSON report in .test-results/ plus the lint/type-check results into one closing line. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? '.test-results';
let passed = 0;
let failed = 0;
if (existsSync(dir)) {
  for (const f of readdirSync(dir).sort()) {
    const text = readFileSync(join(dir, f), 'utf8');
    if (f.endsWith('.json')) {
      const j = JSON.parse(text) as {
        numPassedTests: number;
        numFailedTests: number;
        numFailedTestSuites: number;
        numTotalTests: number;
      };
      const brokenFiles = j.numFailedTests === 0 ? j.numFailedTestSuites : 0;
      console.log(`  ${f}: ${j.numPassedTests} passed, ${j.numFailedTests + brokenFiles} failed`);
      passed += j.numPassedTests;
      failed += j.numFailedTests + brokenFiles;
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
