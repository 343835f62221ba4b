/// <reference types="node" />
/**
 * The entry of a bundled group: `run.mjs` starts it once per scenario (`--scenario <name>`), or with
 * `--list` / `--check`. It prints exactly one `@@bench-result <json>` line on stdout; progress goes to stderr.
 * A bundle can also be run by hand, e.g. under `node --cpu-prof`.
 * @module
 */
import { measureScenario, type MeasureOptions } from './measure.js';
import { BenchUnavailableError, isQuick, type BenchGroup, type ScenarioResult } from './types.js';

/** The prefix of the one machine-readable line a child prints. */
export const RESULT_MARKER = '@@bench-result ';

/** User plus system CPU time of this process, in milliseconds. */
function cpuNow(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** A full run: 6 paired rounds (each order of two contestants 3 times), ≥ 10,000 latency samples, 100k subscriptions. */
const FULL: MeasureOptions = { rounds: 6, warmupMs: 300, sliceMs: 150, batchMs: 15, stallMs: 30_000, samples: 10_000, subscriptions: 100_000, cpuNow };
/** `BENCH_QUICK=1` (or `npm run bench -- --quick`): a smoke run that proves every path works; not figures to publish. */
const QUICK: MeasureOptions = { rounds: 4, warmupMs: 100, sliceMs: 40, batchMs: 10, stallMs: 30_000, samples: 800, subscriptions: 10_000, cpuNow };

function flag(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
}

function numberFlag(args: readonly string[], name: string, fallback: number): number {
  const raw = flag(args, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${JSON.stringify(raw)}`);
  return value;
}

function emit(payload: unknown, exitCode: number): void {
  process.stdout.write(`${RESULT_MARKER}${JSON.stringify(payload)}\n`, () => process.exit(exitCode));
}

function describeError(error: unknown): { kind: 'unavailable' | 'failed'; message: string } {
  const kind = error instanceof BenchUnavailableError ? 'unavailable' : 'failed';
  const message = error instanceof Error ? (kind === 'failed' && error.stack ? error.stack : error.message) : String(error);
  return { kind, message };
}

async function runScenario(group: BenchGroup, name: string, args: readonly string[]): Promise<ScenarioResult> {
  const found = group.scenarios.find((s) => s.name === name);
  if (found === undefined) throw new Error(`no scenario ${JSON.stringify(name)} in group ${group.name}; try --list`);
  // --contestants isoflux,mitt: measure a subset (for profiling one library at a time)
  const only = flag(args, '--contestants')?.split(',');
  const chosen = only === undefined ? found : { ...found, contestants: found.contestants.filter((c) => only.includes(c.name)) };
  // --wall-clock: time every scenario in real time, to compare with the CPU-time figures
  const scenario = args.includes('--wall-clock') ? { ...chosen, clock: 'wall' as const } : chosen;
  if (scenario.contestants.length === 0) throw new Error(`--contestants ${only?.join(',')} matches none of ${found.contestants.map((c) => c.name).join(', ')}`);
  const defaults = isQuick() ? QUICK : FULL;
  const options: MeasureOptions = {
    rounds: Math.round(numberFlag(args, '--rounds', defaults.rounds)),
    warmupMs: numberFlag(args, '--warmup-ms', defaults.warmupMs),
    sliceMs: numberFlag(args, '--slice-ms', defaults.sliceMs),
    batchMs: numberFlag(args, '--batch-ms', defaults.batchMs),
    stallMs: numberFlag(args, '--stall-ms', defaults.stallMs),
    samples: Math.round(numberFlag(args, '--samples', defaults.samples)),
    subscriptions: Math.round(numberFlag(args, '--subscriptions', scenario.subscriptions === undefined ? defaults.subscriptions : isQuick() ? scenario.subscriptions / 10 : scenario.subscriptions)),
    cpuNow,
  };
  const measure = scenario.measure ?? 'throughput';
  const settings: Record<string, number> =
    measure === 'throughput'
      ? { rounds: options.rounds, warmupMs: options.warmupMs, sliceMs: options.sliceMs, batchMs: options.batchMs }
      : measure === 'latency'
        ? { rounds: options.rounds, samples: Math.ceil(options.samples / options.rounds) * options.rounds }
        : { rounds: options.rounds, subscriptions: options.subscriptions };
  await group.check?.();
  await group.setup?.();
  try {
    const contestants = await measureScenario(scenario, options, (line) => process.stderr.write(`${line}\n`));
    return {
      name: scenario.name,
      unit: scenario.unit,
      clock: scenario.clock ?? 'wall',
      measure,
      description: scenario.description,
      notMeasured: scenario.notMeasured,
      contestants,
      ...(scenario.target === undefined ? {} : { target: scenario.target }),
      ...(scenario.reportRatios === undefined ? {} : { reportRatios: scenario.reportRatios }),
      settings,
    };
  } finally {
    await group.teardown?.();
  }
}

/** Runs what the command line asks of `group` and exits the process. */
export async function main(group: BenchGroup, args: readonly string[] = process.argv.slice(2)): Promise<void> {
  try {
    if (args.includes('--list')) {
      const scenarios = group.scenarios.map((s) => ({ name: s.name, unit: s.unit, description: s.description }));
      return emit({ group: group.name, scenarios }, 0);
    }
    if (args.includes('--check')) {
      await group.check?.();
      return emit({ group: group.name, ok: true }, 0);
    }
    const name = flag(args, '--scenario');
    if (name === undefined) throw new Error('usage: node <bundle> --list | --check | --scenario <name> [--rounds n] [--warmup-ms n] [--slice-ms n] [--batch-ms n] [--samples n] [--subscriptions n] [--contestants a,b] [--wall-clock] (BENCH_QUICK=1: smoke sizes)');
    emit({ result: await runScenario(group, name, args) }, 0);
  } catch (error) {
    emit({ error: describeError(error) }, 1);
  }
}
