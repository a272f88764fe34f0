import type { Reporter, RunnerTask, RunnerTestFile } from 'vitest';

/** Ends the run with one plain line, `tests: N passed, N failed, N skipped`, that any CI log reader can count. */
export default class SummaryReporter implements Reporter {
  onFinished(files: RunnerTestFile[] = []): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    const walk = (task: RunnerTask): void => {
      if (task.type === 'suite') return task.tasks.forEach(walk);
      const state = task.result?.state;
      if (state === 'pass') counts.passed++;
      else if (state === 'fail') counts.failed++;
      else counts.skipped++;
    };
    files.forEach((f) => f.tasks.forEach(walk));
    process.stdout.write(`\ntests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
  }
}
