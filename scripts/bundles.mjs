/**
 * What isoflux ships for bundlers and `<script>` tags, and what each may weigh. Read by vite.config.ts
 * (which `<script>` files to build) and scripts/size.mjs (measures, checks the budgets, writes the README's
 * size figures). Plain JavaScript, built-ins only, so both can import it.
 * @module
 */

/**
 * The `<script>` builds in dist/: file → the src/ entries it re-exports into one flat namespace, the global
 * `isoflux`, with every third-party client bundled. Not in the browser build: jetstream (another ~27 kB
 * gzip: use a bundler), postgres (TCP), http (servers), otel (needs an SDK from npm anyway).
 */
export const SCRIPT_BUILDS = {
  'isoflux.iife.js': ['index.ts', 'memory/index.ts'],
  'isoflux.browser.iife.js': [
    'index.ts',
    'memory/index.ts',
    'broadcast/index.ts',
    'outbox/index.ts',
    'worker/index.ts',
    'nats/index.ts',
    'middleware/index.ts',
    'pipe/index.ts',
    'stream/index.ts',
    'topic/index.ts',
  ],
};

/**
 * Gzip budgets in bytes (esbuild, minified, browser, gzip -9), per entry of package.json `exports` and per
 * `<script>` file. `own`: isoflux's code with third-party imports external; `withDeps`: everything bundled.
 * About 25% above the size when the budget was set (December 2026, while the trust-boundary work
 * was still landing): room for fixes, not for a new dependency.
 * Raising one is a decision: say why in the commit. Raised once (issue 14): the transport kit's facade (one
 * front door, wiretap, option checks) is shared code every transport now carries; the leader-tab connection
 * joined the worker entry. Again (issue 14/17): the worker and leader-tab buses moved onto the kit (its
 * facade and request path come along, ~1 kB) and the outbox became tappable. The root entry, now only the
 * contract, was lowered to keep it that way. The kit's `schema` on receive (memory, broadcast, worker) added
 * ~0.6 kB to the kit and the worker.
 */
export const SIZE_BUDGETS = {
  isoflux: { own: 5_000 },
  'isoflux/transport': { own: 11_000 },
  'isoflux/memory': { own: 11_000 },
  'isoflux/otel': { own: 2_500, withDeps: 6_500 },
  'isoflux/nats': { own: 16_000, withDeps: 60_000 },
  'isoflux/jetstream': { own: 16_000, withDeps: 84_000 },
  'isoflux/postgres': { own: 13_000 },
  'isoflux/http': { own: 17_500 },
  'isoflux/middleware': { own: 4_500 },
  'isoflux/pipe': { own: 2_000 },
  'isoflux/stream': { own: 4_500 },
  'isoflux/topic': { own: 6_500 },
  'isoflux/broadcast': { own: 15_500 },
  'isoflux/worker': { own: 19_500, withDeps: 21_000 },
  'isoflux/outbox': { own: 11_500, withDeps: 11_500 },
  'isoflux/testing': { own: 27_500 },
  'isoflux/testing/page': { own: 3_500 },
  'isoflux/playwright': { own: 2_500 },
  'isoflux/presence': { own: 6_000 },
  'isoflux/inspector': { own: 7_500 },
  'isoflux/inbox': { own: 2_500 },
  'isoflux/versioning': { own: 3_000 },
  'isoflux.iife.js': { withDeps: 13_000 },
  'isoflux.browser.iife.js': { withDeps: 95_000 },
};
