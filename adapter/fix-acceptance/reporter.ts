// Output lines of the runner: one per case, then `N passed, N failed`.
import type { CaseResult } from './runner.ts';

export function formatCase(r: CaseResult, withTime = false): string {
  const time = withTime ? ` (${r.ms} ms)` : '';
  return r.passed ? `PASS ${r.name}${time}` : `FAIL ${r.name}${time}: ${r.reason ?? 'failed'}`;
}

export function formatSummary(results: readonly CaseResult[]): string {
  const passed = results.filter((r) => r.passed).length;
  return `${passed} passed, ${results.length - passed} failed`;
}
