/**
 * One Vitest run, two projects:
 * - `node`:     test/portable + test/node (+ type tests in test/types, run by `tsc` in typecheck mode)
 * - `chromium`: test/portable + test/browser, in Debian's Chromium via Playwright (never downloaded)
 * Deno and workerd run test/portable through test/harness (see scripts/test.mjs).
 */
import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import { chromiumLaunchOptions } from './test/harness/chromium';

/** Shared by both projects (inline projects do not inherit the root `test` options). */
const common = {
  globalSetup: ['test/setup/global.ts'],
  // Same default as the Deno/workerd shim, so a test is equally patient in every runtime.
  testTimeout: 10_000,
  hookTimeout: 10_000,
  // scripts/test.mjs reports "ran zero tests" per runtime itself, with a clearer message.
  passWithNoTests: true,
};

export default defineConfig({
  test: {
    // Quiet output: what a passing test logs (an expected `[isoflux] handler failed …` report, say) is
    // captured and shown only when that test fails. A root option: projects cannot set it.
    // ISOFLUX_TEST_LOGS=1 prints everything as it happens.
    silent: process.env.ISOFLUX_TEST_LOGS === '1' ? false : 'passed-only',
    projects: [
      {
        test: {
          ...common,
          name: 'node',
          environment: 'node',
          include: ['test/portable/**/*.test.ts', 'test/server/**/*.test.ts', 'test/node/**/*.test.ts'],
          setupFiles: ['test/setup/node-websocket.ts'],
          typecheck: {
            enabled: true,
            include: ['test/types/**/*.test-d.ts'],
            tsconfig: './tsconfig.json',
          },
        },
      },
      {
        test: {
          ...common,
          name: 'chromium',
          include: ['test/portable/**/*.test.ts', 'test/browser/**/*.test.ts'],
          browser: {
            enabled: true,
            headless: true,
            provider: playwright({ launchOptions: chromiumLaunchOptions }),
            instances: [{ browser: 'chromium' }],
            // Never open a UI or a port beyond loopback.
            api: { host: '127.0.0.1' },
            // Otherwise failures drop PNGs into __screenshots__/ beside the tests (and Deno/workerd
            // would not care, but git would).
            screenshotFailures: false,
          },
        },
      },
    ],
  },
});
