/**
 * Times the contestants of one scenario side by side: each is warmed up and calibrated, then every round
 * gives each contestant one timed slice, in an order that rotates from round to round so that JIT tiering,
 * GC debt and thermal drift hit every contestant alike. The figure is the median of the rounds.
 * @module
 */
import type { Bench, Contestant, ContestantResult, Scenario } from './types.js';

/** How long and how often to measure. */
export interface MeasureOptions {
  /** Timed slices per contestant; the median is reported. */
  rounds: number;
  /** Untimed running per contestant before the first round (JIT warm-up and calibration). */
  warmupMs: number;
  /** Length of one contestant's timed slice in one round. */
  sliceMs: number;
  /** Target duration of one `run(n)` call: long enough to hide timer and call overhead. */
  batchMs: number;
  /** A single `run(n)` that takes longer than this (wall time) fails the scenario (a stalled async path). */
  stallMs: number;
  /** Milliseconds of process CPU time so far, for scenarios with `clock: 'cpu'` (the runtime provides it). */
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
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

function stalled(ms: number, what: string): { promise: Promise<never>; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms: a delivery path stalled`)), ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

/** Runs `n` operations, checks every expected delivery happened, returns the elapsed milliseconds. */
async function timedRun(scenario: Scenario, entry: Entry, n: number, options: MeasureOptions): Promise<number> {
  const now = scenario.clock === 'cpu' ? options.cpuNow : () => performance.now();
  const start = now();
  let result = entry.bench.run(n);
  if (isThenable(result)) {
    const watchdog = stalled(options.stallMs, `${entry.contestant.name} on ${scenario.name}: run(${n})`);
    try {
      result = await Promise.race([result, watchdog.promise]);
    } finally {
      watchdog.cancel();
    }
  }
  const elapsed = typeof result === 'number' ? result : now() - start;
  entry.ops += n;
  const expected = scenario.expectedDeliveries(entry.ops);
  const delivered = entry.bench.delivered();
  if (delivered !== expected) {
    throw new Error(
      `${entry.contestant.name} on ${scenario.name}: ${delivered} deliveries after ${entry.ops} operations, expected ${expected}. ` +
        'A contestant whose handlers did not run cannot be measured.',
    );
  }
  return elapsed;
}

/** Warms a contestant up and picks the batch size that makes one run last about `batchMs`. */
async function warmUp(scenario: Scenario, entry: Entry, options: MeasureOptions): Promise<void> {
  let n = 16;
  let spent = 0;
  let perOp = Number.POSITIVE_INFINITY;
  while (spent < options.warmupMs) {
    const elapsed = await timedRun(scenario, entry, n, options);
    spent += elapsed;
    if (elapsed > 0) perOp = elapsed / n;
    // grow geometrically until a batch is long enough to time, then keep re-estimating at that size
    n = elapsed < options.batchMs / 4 ? n * 4 : Math.max(1, Math.round(options.batchMs / perOp));
  }
  entry.batch = Math.max(1, Math.round(options.batchMs / perOp));
  entry.deliveredBefore = entry.bench.delivered();
}

/** One timed slice: as many batches as fit in `sliceMs`; returns operations per second. */
async function slice(scenario: Scenario, entry: Entry, options: MeasureOptions): Promise<number> {
  gc?.();
  let ops = 0;
  let elapsed = 0;
  while (elapsed < options.sliceMs) {
    elapsed += await timedRun(scenario, entry, entry.batch, options);
    ops += entry.batch;
  }
  entry.measuredOps += ops;
  return (ops / elapsed) * 1000;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Converts operations per second into the scenario's unit. */
function inUnit(scenario: Scenario, opsPerSecond: number): number {
  return scenario.unit === 'ms' ? 1000 / opsPerSecond : opsPerSecond;
}

/**
 * Measures every contestant of `scenario`. Throws when a contestant fails to set up, stalls, or delivers
 * less than expected: a scenario is reported whole or not at all.
 */
export async function measureScenario(scenario: Scenario, options: MeasureOptions, log: Log): Promise<ContestantResult[]> {
  const leads = scenario.contestants.filter((c) => c.role === 'isoflux');
  if (leads.length > 1 || leads.some((c) => c.name !== 'isoflux')) {
    throw new Error(`${scenario.name}: exactly one contestant, named 'isoflux', may have the role 'isoflux' (ratios are taken against it); use 'variant' for other isoflux configurations`);
  }
  const entries: Entry[] = [];
  try {
    for (const contestant of scenario.contestants) {
      entries.push({ contestant, bench: await contestant.setup(), ops: 0, batch: 1, measuredOps: 0, deliveredBefore: 0, rounds: [] });
    }
    for (const entry of entries) await warmUp(scenario, entry, options);
    for (let round = 0; round < options.rounds; round++) {
      for (let k = 0; k < entries.length; k++) {
        const entry = entries[(k + round) % entries.length] as Entry;
        entry.rounds.push(inUnit(scenario, await slice(scenario, entry, options)));
      }
      log(`  ${scenario.name}: round ${round + 1}/${options.rounds} done`);
    }
    return entries.map((e) => ({
      name: e.contestant.name,
      role: e.contestant.role,
      ...(e.contestant.note === undefined ? {} : { note: e.contestant.note }),
      value: median(e.rounds),
      rounds: e.rounds,
      ops: e.measuredOps,
      deliveries: e.bench.delivered() - e.deliveredBefore,
      checksum: e.bench.checksum(),
    }));
  } finally {
    for (const entry of entries) await entry.bench.teardown?.();
  }
}
