/**
 * Times the contestants of one scenario side by side, in paired rounds: every round measures every
 * contestant once, in forward order on even rounds and reversed on odd ones, so for any two contestants
 * each goes first equally often and round r of one is compared with round r of the other (the per-round
 * ratios are taken in run.mjs). JIT tiering, GC debt, thermal drift and a neighbour's burst of load then
 * hit both sides of a ratio alike instead of landing in one contestant's median.
 *
 * Three ways to measure (Scenario.measure):
 * - throughput: each contestant is warmed up and calibrated, then gets one timed slice per round;
 * - latency: individual samples, split evenly over the rounds, pooled for the true percentiles;
 * - heap: `process.memoryUsage().heapUsed` after forced full GCs, before and after building an instance
 *   with `count` subscriptions.
 * @module
 */
import type { Bench, Contestant, ContestantResult, Scenario } from './types.js';

/** How long and how often to measure. */
export interface MeasureOptions {
  /** Rounds (every contestant measured once per round); the median is reported. */
  rounds: number;
  /** Untimed running per contestant before the first round (JIT warm-up and calibration). */
  warmupMs: number;
  /** Length of one contestant's timed slice in one round. */
  sliceMs: number;
  /** Target duration of one `run(n)` call: long enough to hide timer and call overhead. */
  batchMs: number;
  /** A single `run(n)` that takes longer than this (wall time) fails the scenario (a stalled async path). */
  stallMs: number;
  /** `latency`: individual samples per contestant over all rounds (warm-up excluded). */
  samples: number;
  /** `heap`: subscriptions per instance. */
  subscriptions: number;
  /** Milliseconds of process CPU time so far (the runtime provides it). */
  cpuNow: () => number;
}

/** Writes progress lines for a human; results go elsewhere. */
export type Log = (line: string) => void;

const gc: (() => void) | undefined = (globalThis as { gc?: () => void }).gc;

interface Entry {
  readonly contestant: Contestant;
  readonly bench: Bench;
  /** Operations so far, warm-up included: what `expectedDeliveries` is checked against. */
  ops: number;
  batch: number;
  measuredOps: number;
  /** Deliveries counted when the warm-up ended. */
  deliveredBefore: number;
  readonly rounds: number[];
  readonly slots: number[];
  readonly cpu: number[];
  readonly p99: number[];
  readonly samples: number[];
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

/** Awaits `value` (when it is a promise) with a watchdog: a stalled delivery path fails the scenario. */
async function settle<T>(value: T | Promise<T>, ms: number, what: string): Promise<T> {
  if (!isThenable(value)) return value;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const watchdog = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms: a delivery path stalled`)), ms);
  });
  try {
    return await Promise.race([value, watchdog]);
  } finally {
    clearTimeout(timer);
  }
}

function need<K extends keyof Bench>(entry: Entry, key: K, scenario: Scenario): NonNullable<Bench[K]> {
  const method = entry.bench[key];
  if (typeof method !== 'function') throw new Error(`${entry.contestant.name} on ${scenario.name}: a '${scenario.measure ?? 'throughput'}' scenario needs bench.${String(key)}()`);
  return method.bind(entry.bench) as NonNullable<Bench[K]>;
}

function check(scenario: Scenario, entry: Entry, count?: number): void {
  const expected = scenario.expectedDeliveries(entry.ops, count);
  const delivered = entry.bench.delivered();
  if (delivered !== expected) {
    throw new Error(
      `${entry.contestant.name} on ${scenario.name}: ${delivered} deliveries after ${entry.ops} operations, expected ${expected}. ` +
        'A contestant whose deliveries cannot be verified cannot be measured.',
    );
  }
}

/** Runs `n` operations, checks every expected delivery happened; returns elapsed ms (scenario clock) and CPU ms. */
async function timedRun(scenario: Scenario, entry: Entry, n: number, options: MeasureOptions): Promise<{ ms: number; cpuMs: number }> {
  const run = need(entry, 'run', scenario);
  const wallNow = (): number => performance.now();
  const now = scenario.clock === 'cpu' ? options.cpuNow : wallNow;
  const cpuStart = options.cpuNow();
  const start = now();
  const result = await settle(run(n), options.stallMs, `${entry.contestant.name} on ${scenario.name}: run(${n})`);
  const elapsed = typeof result === 'number' ? result : now() - start;
  const cpuMs = options.cpuNow() - cpuStart;
  entry.ops += n;
  check(scenario, entry);
  return { ms: elapsed, cpuMs };
}

/** Warms a contestant up and picks the batch size that makes one run last about `batchMs`. */
async function warmUp(scenario: Scenario, entry: Entry, options: MeasureOptions): Promise<void> {
  const min = scenario.minBatch ?? 1;
  let n = Math.max(16, min);
  let spent = 0;
  let perOp = Number.POSITIVE_INFINITY;
  while (spent < options.warmupMs) {
    const { ms } = await timedRun(scenario, entry, n, options);
    spent += ms;
    if (ms > 0) perOp = ms / n;
    // grow geometrically until a batch is long enough to time, then keep re-estimating at that size
    n = ms < options.batchMs / 4 ? n * 4 : Math.max(min, Math.round(options.batchMs / perOp));
  }
  entry.batch = Math.max(min, Math.round(options.batchMs / perOp));
  entry.deliveredBefore = entry.bench.delivered();
}

/** One timed slice: as many batches as fit in `sliceMs`; records operations per second and CPU µs per operation. */
async function slice(scenario: Scenario, entry: Entry, options: MeasureOptions): Promise<void> {
  gc?.();
  let ops = 0;
  let elapsed = 0;
  let cpuMs = 0;
  while (elapsed < options.sliceMs) {
    const t = await timedRun(scenario, entry, entry.batch, options);
    elapsed += t.ms;
    cpuMs += t.cpuMs;
    ops += entry.batch;
  }
  entry.measuredOps += ops;
  const opsPerSecond = (ops / elapsed) * 1000;
  entry.rounds.push(scenario.unit === 'ms' ? 1000 / opsPerSecond : opsPerSecond);
  entry.cpu.push((cpuMs * 1000) / ops);
}

/** The p-th percentile (nearest rank) of `values`. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

/** Latency: this round's share of the samples, in calls of at most 1,000 (one page round trip each). */
async function sampleRound(scenario: Scenario, entry: Entry, options: MeasureOptions, count: number): Promise<void> {
  const sample = need(entry, 'sample', scenario);
  const round: number[] = [];
  while (round.length < count) {
    const n = Math.min(1000, count - round.length);
    const got = await settle(sample(n), options.stallMs, `${entry.contestant.name} on ${scenario.name}: sample(${n})`);
    if (got.length !== n) throw new Error(`${entry.contestant.name} on ${scenario.name}: sample(${n}) returned ${got.length} latencies`);
    entry.ops += n;
    check(scenario, entry);
    round.push(...got);
  }
  entry.measuredOps += round.length;
  entry.samples.push(...round);
  entry.rounds.push(percentile(round, 50));
  entry.p99.push(percentile(round, 99));
}

/** Heap: bytes per subscription of one fresh instance, after forced full GCs on both sides. */
async function heapRound(scenario: Scenario, entry: Entry, options: MeasureOptions): Promise<void> {
  if (gc === undefined) throw new Error(`${scenario.name} needs node --expose-gc`);
  const allocate = need(entry, 'allocate', scenario);
  const settleHeap = async (): Promise<number> => {
    // a few full GCs with turns between them, so finalizers and weak references settle
    for (let i = 0; i < 3; i++) {
      gc!();
      await new Promise((resolve) => setImmediate(resolve));
    }
    return process.memoryUsage().heapUsed;
  };
  const count = options.subscriptions;
  const before = await settleHeap();
  await allocate(count);
  const after = await settleHeap();
  entry.rounds.push((after - before) / count);
  // the probe: the subscriptions measured must be live ones
  const run = need(entry, 'run', scenario);
  await settle(run(1), options.stallMs, `${entry.contestant.name} on ${scenario.name}: probe`);
  entry.ops += 1;
  entry.measuredOps += count;
  check(scenario, entry, count);
  await entry.bench.release?.();
}

/**
 * Measures every contestant of `scenario`. Throws when a contestant fails to set up, stalls, or delivers
 * other than expected: a scenario is reported whole or not at all.
 */
export async function measureScenario(scenario: Scenario, options: MeasureOptions, log: Log): Promise<ContestantResult[]> {
  const leads = scenario.contestants.filter((c) => c.role === 'isoflux');
  if (leads.length > 1 || leads.some((c) => c.name !== 'isoflux')) {
    throw new Error(`${scenario.name}: exactly one contestant, named 'isoflux', may have the role 'isoflux' (ratios are taken against it); use 'variant' for other isoflux configurations`);
  }
  const measure = scenario.measure ?? 'throughput';
  const entries: Entry[] = [];
  try {
    for (const contestant of scenario.contestants) {
      entries.push({ contestant, bench: await contestant.setup(), ops: 0, batch: 1, measuredOps: 0, deliveredBefore: 0, rounds: [], slots: [], cpu: [], p99: [], samples: [] });
    }
    if (measure === 'throughput') for (const entry of entries) await warmUp(scenario, entry, options);
    if (measure === 'latency') {
      // warm-up samples, discarded: JIT, connection set-up, first-use caches
      const warm = Math.min(500, Math.max(50, Math.round(options.samples / 20)));
      for (const entry of entries) {
        await sampleRound(scenario, entry, options, warm);
        entry.rounds.length = 0;
        entry.p99.length = 0;
        entry.samples.length = 0;
        entry.measuredOps = 0;
        entry.deliveredBefore = entry.bench.delivered();
      }
    }
    const perRound = Math.ceil(options.samples / options.rounds);
    for (let round = 0; round < options.rounds; round++) {
      const order = round % 2 === 0 ? entries : [...entries].reverse();
      for (const [slot, entry] of order.entries()) {
        entry.slots.push(slot);
        if (measure === 'throughput') await slice(scenario, entry, options);
        else if (measure === 'latency') await sampleRound(scenario, entry, options, perRound);
        else await heapRound(scenario, entry, options);
      }
      log(`  ${scenario.name}: round ${round + 1}/${options.rounds} done`);
    }
    return entries.map((e) => ({
      name: e.contestant.name,
      role: e.contestant.role,
      ...(e.contestant.note === undefined ? {} : { note: e.contestant.note }),
      rounds: e.rounds,
      slots: e.slots,
      ...(measure === 'throughput' && scenario.cpuPerOp ? { cpuUsPerOp: e.cpu } : {}),
      ...(measure === 'latency'
        ? {
            p99: e.p99,
            pooled: { samples: e.samples.length, p50: percentile(e.samples, 50), p90: percentile(e.samples, 90), p99: percentile(e.samples, 99), max: percentile(e.samples, 100) },
          }
        : {}),
      ops: e.measuredOps,
      deliveries: e.bench.delivered() - e.deliveredBefore,
      checksum: e.bench.checksum(),
    }));
  } finally {
    for (const entry of entries) await entry.bench.teardown?.();
  }
}
