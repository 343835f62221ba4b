/**
 * `npm run bench`: bundles every group of bench/groups.mjs with esbuild, runs each scenario in its own
 * Node process (isoflux and its peers side by side in that process, alternating over several rounds),
 * writes bench/results/latest.json and prints the tables. Exits 1 when a scenario or group failed,
 * including a group whose service is missing: nothing is left out silently.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { groups } from './groups.mjs';
import { formatMarkdown, formatMatrix, formatScenario, toEntry } from './lib/report.mjs';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(BENCH_DIR);
const CACHE_DIR = path.join(BENCH_DIR, '.cache');
const RESULTS_DIR = path.join(BENCH_DIR, 'results');
const MARKER = '@@bench-result ';

const HELP = `usage: npm run bench -- [options]
  --filter <text>        run scenarios whose name contains <text> (repeatable, or comma-separated)
  --rounds <n>           timed rounds per contestant, median reported (default 5)
  --quick                3 short rounds: a smoke run, not figures to publish
  --slice-ms <ms>        length of one timed slice (default 150); more rounds of shorter slices resist a busy machine
  --warmup-ms <ms>       untimed warm-up per contestant (default 300)
  --contestants <a,b>    measure only these contestants (e.g. isoflux,mitt)
  --wall-clock           time every scenario in real time, also those declared CPU-bound (clock: 'cpu')
  --profile              write a V8 CPU profile per scenario to bench/results/profiles/
  --out <file>           results file (default bench/results/latest.json)
  --markdown             also print the summary as a Markdown table
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
function runChild(bundlePath, args, { nodeArgs = [], timeoutMs = 600_000 } = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...nodeArgs, bundlePath, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
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

async function main() {
  const options = parseArgs(process.argv.slice(2));
  // the child reads the first occurrence of a flag: explicit options go before --quick's defaults
  const measureArgs = [];
  if (options.rounds !== undefined) measureArgs.push('--rounds', options.rounds);
  if (options.sliceMs !== undefined) measureArgs.push('--slice-ms', options.sliceMs);
  if (options.warmupMs !== undefined) measureArgs.push('--warmup-ms', options.warmupMs);
  if (options.contestants !== undefined) measureArgs.push('--contestants', options.contestants);
  if (options.wallClock) measureArgs.push('--wall-clock');
  if (options.quick) measureArgs.push('--rounds', '3', '--warmup-ms', '150', '--slice-ms', '60');
  const nodeArgs = ['--expose-gc'];
  if (options.profile) nodeArgs.push('--cpu-prof', '--cpu-prof-dir', path.join(RESULTS_DIR, 'profiles'));
  mkdirSync(CACHE_DIR, { recursive: true });
  mkdirSync(path.dirname(options.out), { recursive: true });

  const started = Date.now();
  const loadAtStart = os.loadavg()[0];
  const failures = [];
  const entries = [];
  for (const group of groups) {
    let bundlePath;
    try {
      bundlePath = await bundle(group);
    } catch (error) {
      failures.push({ group: group.name, kind: 'failed', message: `bundling ${group.entry} failed: ${error.message}` });
      continue;
    }
    const listed = await runChild(bundlePath, ['--list']);
    if (listed.error) {
      failures.push({ group: group.name, ...listed.error });
      continue;
    }
    if (listed.group !== group.name) throw new Error(`bench/groups.mjs names ${group.name} but ${group.entry} exports group ${listed.group}`);
    const selected = listed.scenarios.filter((s) => options.filters.length === 0 || options.filters.some((f) => s.name.includes(f)));
    if (selected.length === 0) continue;
    const check = await runChild(bundlePath, ['--check']);
    if (check.error) {
      failures.push({ group: group.name, scenarios: selected.map((s) => s.name), ...check.error });
      console.error(`\n✗ group ${group.name} cannot run here (${selected.length} scenario(s) NOT measured):\n  ${check.error.message}\n`);
      continue;
    }
    for (const scenario of selected) {
      console.error(`▶ ${scenario.name}`);
      const profileName = options.profile ? ['--cpu-prof-name', `${scenario.name.replaceAll('/', '_')}.cpuprofile`] : [];
      const outcome = await runChild(bundlePath, ['--scenario', scenario.name, ...measureArgs], { nodeArgs: [...nodeArgs, ...profileName] });
      if (outcome.error) {
        failures.push({ group: group.name, scenario: scenario.name, ...outcome.error });
        console.error(`✗ ${scenario.name} failed:\n${outcome.error.message}\n`);
        continue;
      }
      const entry = toEntry(outcome.result);
      entries.push(entry);
      console.log(`\n${formatScenario(entry)}\n`);
    }
  }

  const peerNames = [...new Set(entries.flatMap((e) => Object.keys(e.peers)))];
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
      // 1-minute load average when the run started and ended: above the core count, other work shared the CPU
      loadAverage: { start: Number(loadAtStart.toFixed(2)), end: Number(os.loadavg()[0].toFixed(2)) },
      rounds: Number(options.rounds ?? (options.quick ? 3 : 5)),
      sliceMs: Number(options.sliceMs ?? (options.quick ? 60 : 150)),
      quick: options.quick,
      filter: options.filters.length > 0 ? options.filters : null,
      method:
        'one Node process per scenario, all contestants in it; each is warmed up and calibrated, then every round gives each ' +
        'contestant one timed slice (order rotated per round, GC forced before each slice); the figure is the median of the rounds. ' +
        "Scenarios with clock 'cpu' (in-process, never waiting outside the process) are timed in process CPU time, which other " +
        "load on the machine disturbs far less than wall time; clock 'wall' ones in real time. " +
        'Every run checks that the expected number of deliveries reached a handler. Ratios > 1 mean isoflux is better.',
      versions: Object.fromEntries([['esbuild', versionOf('esbuild')], ...peerNames.map((p) => [p, versionOf(p)])].filter(([, v]) => v !== undefined)),
      seconds: Math.round((Date.now() - started) / 1000),
    },
    scenarios: entries,
    failures,
  };
  writeFileSync(options.out, `${JSON.stringify(results, null, 2)}\n`);

  if (entries.length > 0) console.log(`${formatMatrix(entries)}\n`);
  if (options.markdown && entries.length > 0) console.log(`${formatMarkdown(entries)}\n`);
  console.log(`wrote ${path.relative(process.cwd(), options.out)} (${entries.length} scenario(s), ${results.meta.seconds} s)`);
  const { start, end } = results.meta.loadAverage;
  if (Math.max(start, end) > results.meta.cores) {
    console.log(`note: load average ${start} → ${end} on ${results.meta.cores} cores: other processes shared the CPU; compare ratios, not absolute figures`);
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
