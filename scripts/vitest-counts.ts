/** Vitest's JSON report, as far as the counts read it. */
export interface VitestJson {
  numPassedTests: number;
  numFailedTests: number;
  numFailedTestSuites: number;
  numTotalTests: number;
  testResults?: { status: string; assertionResults?: { status: string }[] }[];
}

/**
 * Passed and failed of one run. A file that failed without a failed test (its beforeAll timed out, it did not
 * load) counts as one failure: its tests were skipped, and a skipped test must not read as a pass or nothing.
 */
export function vitestCounts(j: VitestJson): { passed: number; failed: number } {
  const files = j.testResults ?? [];
  const brokenFiles = files.length
    ? files.filter(
        (f) => f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed'),
      ).length
    : j.numFailedTests === 0
      ? j.numFailedTestSuites
      : 0;
  return { passed: j.numPassedTests, failed: j.numFailedTests + brokenFiles };
}
