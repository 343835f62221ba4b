/**
 * `npm run bench`: bundles every group of bench/groups.mjs with esbuild, runs each scenario in its own
 * Node process (isoflux and its peers side by side in that process, in paired rounds of alternating order),
 * writes bench/results/latest.json plus a copy under bench/results/runs/<timestamp>.json (the stored runs
 * README ranges are computed from) and prints the tables. Records the load average around every group and
 * scenario and marks them `noisy` when it exceeded the core count. Exits 1 when a scenario or group failed,
 * including a group whose service is missing: nothing is left out silently.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { groups } from './groups.mjs';
import { formatMatrix, formatScenario, toEntry } from './lib/report.mjs';
import { renderBlock, storedRuns } from './report.mjs';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(BENCH_DIR);
const CACHE_DIR = path.join(BENCH_DIR, '.cache');
const RESULTS_DIR = path.join(BENCH_DIR, 'results');
const RUNS_DIR = path.join(RESULTS_DIR, 'runs');
const MARKER = '@@bench-result ';

const HELP = `usage: npm run bench -- [options]
  --filter <text>        run scenarios whose name contains <text> (repeatable, or comma-separated)
  --rounds <n>           paired rounds (every contestant once per round, order alternating; default 6)
  --quick                smoke sizes (same as BENCH_QUICK=1): 4 short rounds, 800 latency samples, 10k subscriptions;
                         proves every path works in ~2 minutes, not figures to publish
  --samples <n>          latency scenarios: individual samples per contestant (default 10000)
  --subscriptions <n>    heap scenarios: subscriptions per instance (default 100000)
  --slice-ms <ms>        length of one timed slice (default 150); more rounds of shorter slices resist a busy machine
  --warmup-ms <ms>       untimed warm-up per contestant (default 300)
  --contestants <a,b>    measure only these contestants (e.g. isoflux,mitt)
  --wall-clock           time every scenario in real time, also those declared CPU-bound (clock: 'cpu')
  --profile              write a V8 CPU profile per scenario to bench/results/profiles/
  --out <file>           results file (default bench/results/latest.json)
  --markdown             also print the README block (what bench/report.mjs --write puts in README.md)
  --help`;

function parseArgs(argv) {
  const options = { filters: [], rounds: undefined, quick: false, profile: false, markdown: false, contestants: undefined, out: path.join(RESULTS_DIR, 'latest.json') };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value\n${HELP}`);
      return v;
    };
    if (arg === '--filter') options.filters.push(...value().split(',').filter(Boolean));
    else if (arg === '--rounds') options.rounds = value();
    else if (arg === '--slice-ms') options.sliceMs = value();
    else if (arg === '--warmup-ms') options.warmupMs = value();
    else if (arg === '--quick') options.quick = true;
    else if (arg === '--samples') options.samples = value();
    else if (arg === '--subscriptions') options.subscriptions = value();
    else if (arg === '--profile') options.profile = true;
    else if (arg === '--wall-clock') options.wallClock = true;
    else if (arg === '--markdown') options.markdown = true;
    else if (arg === '--contestants') options.contestants = value();
    else if (arg === '--out') options.out = path.resolve(value());
    else if (arg === '--help' || arg === '-h') (console.log(HELP), process.exit(0));
    else throw new Error(`unknown option ${arg}\n${HELP}`);
  }
  return options;
}

async function bundle(group) {
  const outfile = path.join(CACHE_DIR, `${group.name}.mjs`);
  await build({
    stdin: {
      contents: `import group from ${JSON.stringify(group.entry)};\nimport { main } from './lib/child.ts';\nawait main(group);\n`,
      resolveDir: BENCH_DIR,
      sourcefile: `bench-${group.name}-entry.ts`,
      loader: 'ts',
    },
    bundle: true,
    outfile,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // peers load from node_modules as published; isoflux is bundled from src/ as an app bundler would
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'error',
  });
  return outfile;
}

/** Runs a bundle with `args`; resolves with its `@@bench-result` payload. Its stderr streams through. */
function runChild(bundlePath, args, { nodeArgs = [], timeoutMs = 600_000, env = process.env } = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...nodeArgs, bundlePath, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith(MARKER));
      if (line !== undefined) return resolve(JSON.parse(line.slice(MARKER.length)));
      const why = signal === 'SIGKILL' ? `killed after ${timeoutMs / 1000} s` : `exited with ${code ?? signal} and no result`;
      resolve({ error: { kind: 'failed', message: `${path.basename(bundlePath)} ${args.join(' ')}: ${why}\n${stdout.trim()}` } });
    });
  });
}

function gitRevision() {
  try {
    const git = (...args) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const rev = git('rev-parse', '--short', 'HEAD');
    const dirty = git('status', '--porcelain', '--', 'src') !== '';
    return dirty ? `${rev} (src modified)` : rev;
  } catch {
    return null;
  }
}

function versionOf(pkg) {
  try {
    return JSON.parse(readFileSync(path.join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

/** The 1-, 5- and 15-minute load averages, rounded. */
const loadNow = () => os.loadavg().map((x) => Number(x.toFixed(2)));

/** Load around a piece of the run: noisy when the 1-minute load exceeded the core count before or after. */
function loadRecord(before, after) {
  const cores = os.cpus().length;
  const max = Math.max(before[0], after[0]);
  return { before, after, max, cores, noisy: max > cores };
}

const isQuickEnv = () => !['', '0', undefined].includes(process.env.BENCH_QUICK);

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (isQuickEnv()) options.quick = true;
  const childEnv = options.quick ? { ...process.env, BENCH_QUICK: '1' } : { ...process.env, BENCH_QUICK: '' };
  // the child reads the first occurrence of a flag: explicit options go first
  const measureArgs = [];
  if (options.rounds !== undefined) measureArgs.push('--rounds', options.rounds);
  if (options.sliceMs !== undefined) measureArgs.push('--slice-ms', options.sliceMs);
  if (options.warmupMs !== undefined) measureArgs.push('--warmup-ms', options.warmupMs);
  if (options.contestants !== undefined) measureArgs.push('--contestants', options.contestants);
  if (options.wallClock) measureArgs.push('--wall-clock');
  if (options.samples !== undefined) measureArgs.push('--samples', options.samples);
  if (options.subscriptions !== undefined) measureArgs.push('--subscriptions', options.subscriptions);
  const nodeArgs = ['--expose-gc'];
  if (options.profile) nodeArgs.push('--cpu-prof', '--cpu-prof-dir', path.join(RESULTS_DIR, 'profiles'));
  mkdirSync(CACHE_DIR, { recursive: true });
  mkdirSync(path.dirname(options.out), { recursive: true });

  const started = Date.now();
  const loadAtStart = loadNow();
  const failures = [];
  const entries = [];
  const groupLoads = {};
  for (const group of groups) {
    let bundlePath;
    try {
      bundlePath = await bundle(group);
    } catch (error) {
      failures.push({ group: group.name, kind: 'failed', message: `bundling ${group.entry} failed: ${error.message}` });
      continue;
    }
    const listed = await runChild(bundlePath, ['--list'], { env: childEnv });
    if (listed.error) {
      failures.push({ group: group.name, ...listed.error });
      continue;
    }
    if (listed.group !== group.name) throw new Error(`bench/groups.mjs names ${group.name} but ${group.entry} exports group ${listed.group}`);
    const selected = listed.scenarios.filter((s) => options.filters.length === 0 || options.filters.some((f) => s.name.includes(f)));
    if (selected.length === 0) continue;
    const groupLoadBefore = loadNow();
    const check = await runChild(bundlePath, ['--check'], { env: childEnv });
    if (check.error) {
      failures.push({ group: group.name, scenarios: selected.map((s) => s.name), ...check.error });
      console.error(`\n✗ group ${group.name} cannot run here (${selected.length} scenario(s) NOT measured):\n  ${check.error.message}\n`);
      continue;
    }
    for (const scenario of selected) {
      console.error(`▶ ${scenario.name}`);
      const profileName = options.profile ? ['--cpu-prof-name', `${scenario.name.replaceAll('/', '_')}.cpuprofile`] : [];
      const before = loadNow();
      const scenarioStarted = Date.now();
      const outcome = await runChild(bundlePath, ['--scenario', scenario.name, ...measureArgs], { nodeArgs: [...nodeArgs, ...profileName], env: childEnv });
      const load = loadRecord(before, loadNow());
      if (outcome.error) {
        failures.push({ group: group.name, scenario: scenario.name, ...outcome.error });
        console.error(`✗ ${scenario.name} failed:\n${outcome.error.message}\n`);
        continue;
      }
      const entry = toEntry(outcome.result, load);
      entry.seconds = Math.round((Date.now() - scenarioStarted) / 100) / 10;
      entries.push(entry);
      console.log(`\n${formatScenario(entry)}\n`);
    }
    const groupLoad = loadRecord(groupLoadBefore, loadNow());
    groupLoads[group.name] = groupLoad;
    if (groupLoad.noisy) console.log(`⚠ group ${group.name} was NOISY: load average ${groupLoad.max} > ${groupLoad.cores} cores (other work shared the CPU)\n`);
  }
  const runLoad = loadRecord(loadAtStart, loadNow());
  const noisyGroups = Object.entries(groupLoads).filter(([, l]) => l.noisy).map(([g]) => g);

  const peerNames = [...new Set(entries.flatMap((e) => Object.entries(e.results).filter(([, r]) => r.role === 'peer').map(([n]) => n)))].filter((p) => versionOf(p) !== undefined);
  for (const extra of ['@nats-io/nats-core', '@nats-io/jetstream', 'idb-keyval', 'playwright']) if (!peerNames.includes(extra)) peerNames.push(extra);
  const results = {
    meta: {
      date: new Date().toISOString(),
      command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
      isoflux: gitRevision(),
      node: process.version,
      v8: process.versions.v8,
      platform: `${os.platform()} ${os.arch()}`,
      cpu: os.cpus()[0]?.model ?? 'unknown',
      cores: os.cpus().length,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      // load averages (1, 5, 15 min) when the run started and ended; per group below and per scenario in each entry
      load: { ...runLoad, groups: groupLoads },
      noisy: runLoad.noisy || noisyGroups.length > 0,
      noisyGroups,
      quick: options.quick,
      filter: options.filters.length > 0 ? options.filters : null,
      method:
        'one Node process per scenario, all contestants in it; every round measures every contestant once (forward order on even ' +
        'rounds, reversed on odd ones, GC forced before each slice); a ratio is the median of per-round ratios (round r against round r), ' +
        'with min-max and IQR. Throughput: warmed up, calibrated, one timed slice per round; latency: individual samples pooled for ' +
        'percentiles; heap: heapUsed after forced GCs around building an instance. ' +
        "Scenarios with clock 'cpu' are timed in process CPU time; clock 'wall' ones in real time. Every run checks the expected " +
        'deliveries (or reads them back from where they were delivered). Ratios > 1 mean isoflux is better.',
      versions: Object.fromEntries([['esbuild', versionOf('esbuild')], ...peerNames.map((p) => [p, versionOf(p)])].filter(([, v]) => v !== undefined)),
      seconds: Math.round((Date.now() - started) / 1000),
    },
    scenarios: entries,
    failures,
  };
  const json = `${JSON.stringify(results, null, 2)}\n`;
  writeFileSync(options.out, json);
  mkdirSync(RUNS_DIR, { recursive: true });
  const runFile = path.join(RUNS_DIR, `${results.meta.date.replaceAll(':', '-').replace(/\.\d+Z$/, 'Z')}.json`);
  writeFileSync(runFile, json);

  if (entries.length > 0) console.log(`${formatMatrix(entries)}\n`);
  if (options.markdown && entries.length > 0) console.log(`${renderBlock(results, storedRuns())}\n`);
  console.log(`wrote ${path.relative(process.cwd(), options.out)} and ${path.relative(process.cwd(), runFile)} (${entries.length} scenario(s), ${results.meta.seconds} s)`);
  if (options.quick) console.log('note: a quick (smoke) run: figures prove the paths work, they are not figures to publish');
  if (results.meta.noisy) {
    console.log(
      `⚠ NOISY run: load average ${runLoad.before[0]} → ${runLoad.after[0]} (max ${runLoad.max}) on ${runLoad.cores} cores` +
        `${noisyGroups.length > 0 ? `; noisy groups: ${noisyGroups.join(', ')}` : ''}: other processes shared the CPU; compare paired ratios, not absolute figures`,
    );
  }
  if (failures.length > 0) {
    console.error(`\n✗ ${failures.length} failure(s): ${failures.map((f) => f.scenario ?? `group ${f.group}`).join(', ')}`);
    process.exitCode = 1;
  } else if (entries.length === 0) {
    console.error(`\n✗ no scenario matched ${JSON.stringify(options.filters)}`);
    process.exitCode = 1;
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
