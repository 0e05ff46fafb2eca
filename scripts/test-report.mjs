// The closing line CI reads, from vitest's JSON report: `tests: N passed, N failed[, N skipped]`.
// Shared by `pnpm verify` and `pnpm verify:stress|long`.
import { existsSync, readFileSync } from 'node:fs';

export function testSummary(reportFile) {
  if (!existsSync(reportFile)) return 'tests: 0 passed, 0 failed';
  const report = JSON.parse(readFileSync(reportFile, 'utf8'));
  let summary = `tests: ${report.numPassedTests} passed, ${report.numFailedTests} failed`;
  if (report.numPendingTests || report.numTodoTests)
    summary += `, ${report.numPendingTests + report.numTodoTests} skipped`;
  return summary;
}
