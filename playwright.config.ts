/**
 * Playwright Test for test/e2e/**\/*.spec.ts (multi-tab scenarios driving the demo).
 * Debian's Chromium only (never `npx playwright install`). scripts/test.mjs runs this only when
 * test/e2e has specs, and passes the private nats-server's URLs in ISOFLUX_* env vars.
 * The demo server is started only once demo/serve.mjs exists.
 */
import { existsSync } from 'node:fs';
import { defineConfig } from 'playwright/test';
import { chromiumLaunchOptions } from './test/harness/chromium';

/**
 * scripts/test-e2e.mjs picks a free port and passes it in the environment (which Playwright's
 * worker processes inherit, so every evaluation of this file agrees); 5179 when run by hand.
 */
const DEMO_PORT = Number(process.env.ISOFLUX_DEMO_PORT ?? 5179);
const hasDemo = existsSync('demo/serve.mjs');

export default defineConfig({
  testDir: 'test/e2e',
  testMatch: '**/*.spec.ts',
  outputDir: '.tmp/e2e-results',
  timeout: 30_000,
  retries: 0,
  workers: 2,
  forbidOnly: true,
  reporter: [['list'], ['json', { outputFile: '.tmp/e2e.json' }]],
  use: {
    browserName: 'chromium',
    launchOptions: chromiumLaunchOptions,
    ...(hasDemo ? { baseURL: `http://127.0.0.1:${DEMO_PORT}` } : {}),
    // No traces by default: pass --trace on when debugging (artifacts are slow and collide between runs).
    trace: 'off',
  },
  ...(hasDemo
    ? {
        webServer: {
          command: `node demo/serve.mjs --port ${DEMO_PORT} --no-hmr`,
          url: `http://127.0.0.1:${DEMO_PORT}`,
          reuseExistingServer: false,
          timeout: 60_000,
          // SIGTERM lets the demo stop its nats-server and remove its temp store
          gracefulShutdown: { signal: 'SIGTERM', timeout: 5000 },
        },
      }
    : {}),
});
