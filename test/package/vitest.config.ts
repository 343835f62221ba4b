/**
 * The packaging test (test/package), its own Vitest run: scripts/test.mjs runs it as a separate step after
 * the other runtimes, so its builds and installs never compete with them for the CPU. No nats-server needed.
 * Run alone: npx vitest run --config test/package/vitest.config.ts
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('../../', import.meta.url)),
  test: {
    name: 'package',
    environment: 'node',
    include: ['test/package/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 300_000,
  },
});
