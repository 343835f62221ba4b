/**
 * Prints where a V8 CPU profile spent its time, by function (self time), e.g. the profiles
 * `npm run bench -- --profile` writes: `node bench/profile-summary.mjs bench/results/profiles/<file> [top]`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

const [file, topArg = '25'] = process.argv.slice(2);
if (file === undefined) {
  console.error('usage: node bench/profile-summary.mjs <file.cpuprofile> [top=25]');
  process.exit(1);
}
const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
let total = 0;
// samples[i] took timeDeltas[i+1]; weight by time rather than by count so uneven sampling does not skew it
for (let i = 0; i < profile.samples.length; i++) {
  const node = nodes.get(profile.samples[i]);
  const dt = profile.timeDeltas[i + 1] ?? 0;
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${path.basename(url)}:${lineNumber + 1}` : '';
  const key = `${functionName || '(anonymous)'} ${where}`.trim();
  self.set(key, (self.get(key) ?? 0) + dt);
  total += dt;
}
const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(topArg));
console.log(`${path.basename(file)}: ${(total / 1000).toFixed(0)} ms sampled; self time by function`);
for (const [key, us] of rows) console.log(`${((us / total) * 100).toFixed(1).padStart(6)}%  ${key}`);
