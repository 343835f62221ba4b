/**
 * Vitest reporter used by scripts/test.mjs: writes per-project counts to .tmp/vitest-counts.json.
 * Vitest's JSON report has neither the project of a test (node vs chromium) nor the errors that
 * fail a run without failing a test (a file that does not load, a throwing afterAll, unhandled
 * errors, type errors outside test-d files); both must show in the final `N passed, N failed`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

export interface ProjectCounts {
  passed: number;
  failed: number;
  skipped: number;
  /** Errors of files and suites (not of a test): each also counts as one failure. */
  suiteErrors: number;
}

export interface VitestCounts {
  projects: Record<string, ProjectCounts>;
  /** Unhandled errors of the whole run (e.g. type errors in sources): each counts as one failure. */
  unhandledErrors: number;
}

export const COUNTS_FILE = '.tmp/vitest-counts.json';

export default class CountsReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandled: ReadonlyArray<unknown>): void {
    const out: VitestCounts = { projects: {}, unhandledErrors: unhandled.length };
    for (const m of modules) {
      const c = (out.projects[m.project.name] ??= { passed: 0, failed: 0, skipped: 0, suiteErrors: 0 });
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (state === 'passed') c.passed++;
        else if (state === 'failed') c.failed++;
        else c.skipped++;
      }
      c.suiteErrors += m.errors().length;
      for (const s of m.children.allSuites()) c.suiteErrors += s.errors().length;
    }
    mkdirSync(dirname(COUNTS_FILE), { recursive: true });
    writeFileSync(COUNTS_FILE, JSON.stringify(out, null, 2));
  }
}
