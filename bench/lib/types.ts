/**
 * The shapes a benchmark group is written in. A group is one module (listed in `bench/groups.mjs`) whose
 * default export is a {@link BenchGroup}; `bench/run.mjs` bundles it with esbuild and runs each of its
 * scenarios in a child process, every contestant of a scenario side by side in that process.
 * @module
 */

/**
 * What a scenario reports. `msg/s` is higher-is-better; `ms` (per operation or one-way latency) and `B/sub`
 * (heap bytes per subscription) are lower-is-better. `µs/msg` is the unit of the client-CPU metric.
 */
export type Unit = 'msg/s' | 'ms' | 'B/sub';

/** Units where a smaller figure is the better one. */
export const LOWER_IS_BETTER: ReadonlySet<string> = new Set(['ms', 'B/sub', 'µs/msg']);

/** Who a contestant is: the isoflux figure, a peer library, or an extra isoflux configuration row. */
export type Role = 'isoflux' | 'peer' | 'variant';

/** How a scenario is measured; see {@link Scenario.measure}. */
export type Measure = 'throughput' | 'latency' | 'heap';

/**
 * One prepared contestant. Which methods it needs depends on the scenario's {@link Scenario.measure}:
 * - `throughput`: `run(n)` performs `n` operations (publishes, requests …) and returns, or resolves, once
 *   every delivery they cause has happened; the harness times it. It may return the milliseconds it
 *   measured itself when part of its work must not count (then that figure is used).
 * - `latency`: `sample(n)` sends `n` messages one at a time and returns the `n` individual latencies (ms).
 * - `heap`: `allocate(count)` builds a fresh instance with `count` subscriptions and keeps it; `run(1)`
 *   then publishes one probe message (the harness checks it reached the expected handlers); `release()`
 *   drops the instance.
 */
export interface Bench {
  run?(n: number): void | number | Promise<void | number>;
  sample?(n: number): number[] | Promise<number[]>;
  allocate?(count: number): void | Promise<void>;
  release?(): void | Promise<void>;
  /** Deliveries that really reached a handler (or were read back from where they were delivered) so far: checked after every run. */
  delivered(): number;
  /** A value derived from every delivered payload, kept so no handler can be optimised away. */
  checksum(): number;
  /** Releases what `setup` opened. */
  teardown?(): void | Promise<void>;
}

/** A library (or configuration) taking part in a scenario. */
export interface Contestant {
  /** `isoflux`, a peer's package name (`mitt`), or for variants a label such as `isoflux (payload: shared)`. */
  readonly name: string;
  readonly role: Role;
  /** How this contestant does the scenario's job and why it is used that way: lands in the JSON `notes`. */
  readonly note?: string;
  setup(): Bench | Promise<Bench>;
}

/**
 * One condition of a scenario's target (issue 13's table). `contestant` (default `isoflux`) is compared
 * with `peer` through the median of the paired per-round ratios (`minRatio`; > 1 means the contestant is
 * better), or through a difference of medians in the metric's unit (`maxDiff`: contestant − peer ≤ it),
 * or on its own (`maxValue` / `minValue`, in the metric's unit).
 */
export interface Target {
  readonly contestant?: string;
  readonly peer?: string;
  /** `value` (the scenario's unit, default), `cpuUsPerOp` (client CPU µs per operation) or `p99`. */
  readonly metric?: Metric;
  readonly minRatio?: number;
  readonly maxDiff?: number;
  readonly maxValue?: number;
  readonly minValue?: number;
}

/**
 * A paired ratio a scenario reports beside its target, never judged: `contestant` over `peer` (above 1:
 * `contestant` is better), as for the cost of a feature against the same bus without it.
 */
export interface Pairing {
  readonly contestant: string;
  readonly peer: string;
}

/** The figures a contestant can be judged on. */
export type Metric = 'value' | 'cpuUsPerOp' | 'p99';

/** One measured situation, e.g. `memory/exact-1sub`. */
export interface Scenario {
  /** `group/name`; stable, used as the key in `results/latest.json` and by `--filter`. */
  readonly name: string;
  readonly unit: Unit;
  /** What one operation is and what the figure means. */
  readonly description: string;
  /** What the figure does NOT measure, so nobody reads more into it than it holds (JSON `notes.notMeasured`). */
  readonly notMeasured: string;
  /** Deliveries every contestant must have made after `ops` operations, exactly: fewer (a handler that never ran) or more (duplicates) fails the scenario. For `heap`, `ops` counts probes and `count` is the subscriptions per instance. */
  expectedDeliveries(ops: number, count?: number): number;
  readonly contestants: readonly Contestant[];
  /** The target in words (issue 13's table) and its conditions; `met` in the JSON is all of them met. */
  readonly target?: { readonly text: string; readonly conditions: readonly Target[] };
  /** Paired ratios between two contestants to report as measured (JSON `reportedRatios`, README target cell). */
  readonly reportRatios?: readonly Pairing[];
  /**
   * `wall` (default) times elapsed real time: right whenever a run waits on anything outside the process
   * (a server, a timer). `cpu` times the process's CPU time, which a busy machine disturbs far less;
   * only for scenarios that never wait outside the process (in-process buses).
   */
  readonly clock?: Clock;
  /** `throughput` (default): timed slices of `run(n)`; `latency`: individual samples; `heap`: heap bytes per subscription. */
  readonly measure?: Measure;
  /** Also report this process's CPU time per operation (µs, `process.cpuUsage()` deltas): the client's cost beside wall-clock msg/s. */
  readonly cpuPerOp?: boolean;
  /**
   * Smallest `run(n)` batch (throughput): for runs with a fixed start-up cost (resuming a relay) that a
   * calibrated batch of a few operations would measure instead of the steady state.
   */
  readonly minBatch?: number;
  /** `heap` scenarios: subscriptions per instance in a full run (a quick run uses a tenth). */
  readonly subscriptions?: number;
}

/** What a scenario's slices are timed with; see {@link Scenario.clock}. */
export type Clock = 'wall' | 'cpu';

/** A set of scenarios sharing what they need (a service, a connection …). */
export interface BenchGroup {
  readonly name: string;
  /**
   * Throws {@link BenchUnavailableError} when this machine cannot run the group (a missing server …),
   * saying how to get what is missing. The run then fails loudly instead of leaving the group out.
   */
  check?(): void | Promise<void>;
  /** Called in each scenario's process before its contestants are set up; `teardown` after. */
  setup?(): void | Promise<void>;
  teardown?(): void | Promise<void>;
  readonly scenarios: readonly Scenario[];
}

/** The group cannot run on this machine; the message says what to install or start. */
export class BenchUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BenchUnavailableError';
  }
}

/** True in a smoke run (`--quick` or `BENCH_QUICK=1`): scenarios shrink their own sizes too. */
export function isQuick(): boolean {
  const flag = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.BENCH_QUICK;
  return flag !== undefined && flag !== '' && flag !== '0';
}

/** What a scenario's process reports back to `run.mjs` for one contestant; statistics are computed there. */
export interface ContestantResult {
  readonly name: string;
  readonly role: Role;
  readonly note?: string;
  /** Every round's figure in the scenario's unit, in round order (round r of every contestant is paired). */
  readonly rounds: readonly number[];
  /** Its position in each round (0 = first): the order alternates from round to round. */
  readonly slots: readonly number[];
  /** Client CPU µs per operation in each round, when the scenario asks for it. */
  readonly cpuUsPerOp?: readonly number[];
  /** `latency`: each round's p99, and percentiles of every sample pooled. */
  readonly p99?: readonly number[];
  readonly pooled?: { readonly samples: number; readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number };
  /** Operations and deliveries made while measuring (warm-up excluded), as checked. */
  readonly ops: number;
  readonly deliveries: number;
  readonly checksum: number;
}

/** One scenario's outcome, as the child process sends it. */
export interface ScenarioResult {
  readonly name: string;
  readonly unit: Unit;
  readonly clock: Clock;
  readonly measure: Measure;
  readonly description: string;
  readonly notMeasured: string;
  readonly contestants: readonly ContestantResult[];
  readonly target?: { readonly text: string; readonly conditions: readonly Target[] };
  readonly reportRatios?: readonly Pairing[];
  /** Measuring settings actually used (rounds, slice, samples, subscriptions). */
  readonly settings: Record<string, number>;
}
