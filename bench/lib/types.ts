/**
 * The shapes a benchmark group is written in. A group is one module (listed in `bench/groups.mjs`) whose
 * default export is a {@link BenchGroup}; `bench/run.mjs` bundles it with esbuild and runs each of its
 * scenarios in a child process, every contestant of a scenario side by side in that process.
 * @module
 */

/** What a scenario reports. `msg/s` is higher-is-better; `ms` (per operation) is lower-is-better. */
export type Unit = 'msg/s' | 'ms';

/** Who a contestant is: the isoflux figure, a peer library, or an extra isoflux configuration row. */
export type Role = 'isoflux' | 'peer' | 'variant';

/**
 * One prepared contestant. `run(n)` performs `n` operations (publishes, requests …) and returns, or
 * resolves, once every delivery they cause has happened; the harness times it. It may return the
 * milliseconds it measured itself when part of its work must not count (then that figure is used).
 */
export interface Bench {
  run(n: number): void | number | Promise<void | number>;
  /** Deliveries that really reached a handler so far: the harness checks it after every run. */
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
  /** How this contestant does the scenario's job, when that is not obvious: lands in the JSON `notes`. */
  readonly note?: string;
  setup(): Bench | Promise<Bench>;
}

/** A minimum ratio isoflux must reach against one peer (ratio > 1 means isoflux is better). */
export interface Target {
  readonly peer: string;
  readonly minRatio: number;
}

/** One measured situation, e.g. `memory/exact-1sub`. */
export interface Scenario {
  /** `group/name`; stable, used as the key in `results/latest.json` and by `--filter`. */
  readonly name: string;
  readonly unit: Unit;
  /** What one operation is and what the figure means. */
  readonly description: string;
  /** Deliveries every contestant must have made after `ops` operations, exactly: fewer (a handler that never ran) or more (duplicates) fails the scenario. */
  expectedDeliveries(ops: number): number;
  readonly contestants: readonly Contestant[];
  readonly targets?: readonly Target[];
  /**
   * `wall` (default) times elapsed real time: right whenever a run waits on anything outside the process
   * (a server, a timer). `cpu` times the process's CPU time, which a busy machine disturbs far less;
   * only for scenarios that never wait outside the process (in-process buses).
   */
  readonly clock?: Clock;
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

/** What a scenario's process reports back to `run.mjs`. */
export interface ContestantResult {
  readonly name: string;
  readonly role: Role;
  readonly note?: string;
  /** Median over the rounds, in the scenario's unit. */
  readonly value: number;
  /** Every round's figure, in order. */
  readonly rounds: readonly number[];
  /** Operations and deliveries made while measuring (warm-up excluded), as checked. */
  readonly ops: number;
  readonly deliveries: number;
  readonly checksum: number;
}

/** One scenario's outcome. */
export interface ScenarioResult {
  readonly name: string;
  readonly unit: Unit;
  readonly clock: Clock;
  readonly description: string;
  readonly contestants: readonly ContestantResult[];
  readonly targets: readonly Target[];
}
