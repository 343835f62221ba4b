/**
 * The benchmark groups `npm run bench` runs, in this order. Adding a group is adding one line here: `entry`
 * is a TypeScript module (bundled by esbuild) whose default export is a `BenchGroup` (bench/lib/types.ts).
 * A group that needs a service implements `check()` and throws `BenchUnavailableError` when it is missing:
 * the run then fails loudly instead of leaving the group out. `name` must equal the module's `group.name`.
 * Paths are relative to bench/, e.g. `{ name: 'streams', entry: './scenarios/streams.ts' }`.
 */
export const groups = [
  { name: 'memory', entry: './memory/index.ts' },
  { name: 'streams', entry: './scenarios/streams.ts' },
  { name: 'postgres', entry: './scenarios/postgres.ts' },
  { name: 'broadcast', entry: './scenarios/broadcast.ts' },
  { name: 'nats', entry: './scenarios/nats.ts' },
  { name: 'telemetry', entry: './scenarios/telemetry.ts' },
  { name: 'outbox', entry: './scenarios/outbox.ts' },
];
