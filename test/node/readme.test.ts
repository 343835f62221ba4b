/**
 * Runs every ```ts block of README.md as a program (imports of `isoflux/*` point at src/) and checks the
 * output each `// →` comment expects.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

interface Example {
  readonly line: number;
  readonly code: string;
  readonly expected: string[];
}

async function readmeExamples(): Promise<Example[]> {
  const text = await readFile(`${root}README.md`, 'utf8');
  const examples: Example[] = [];
  const fence = /```ts\n([\s\S]*?)```/g;
  for (let m = fence.exec(text); m !== null; m = fence.exec(text)) {
    const code = m[1] as string;
    const expected = [...code.matchAll(/\/\/ → (.*)$/gm)].map((e) => (e[1] as string).trim());
    examples.push({ line: text.slice(0, m.index).split('\n').length, code, expected });
  }
  return examples;
}

function pointAtSources(code: string): string {
  return code.replace(/from 'isoflux(\/[\w-]+)?'/g, (_all, sub: string | undefined) => `from '${root}src${sub ?? ''}/index.ts'`);
}

describe('README examples', async () => {
  const examples = await readmeExamples();

  it('has examples to run', () => {
    expect(examples.length).toBeGreaterThan(3);
  });

  for (const example of examples) {
    it(`runs the example at README.md:${example.line}`, async () => {
      const dir = `${root}.tmp/readme`;
      await mkdir(dir, { recursive: true });
      const entry = `${dir}/example-${example.line}.ts`;
      const bundle = `${dir}/example-${example.line}.mjs`;
      await writeFile(entry, pointAtSources(example.code));
      await build({ entryPoints: [entry], outfile: bundle, bundle: true, format: 'esm', platform: 'node', packages: 'external', logLevel: 'silent' });
      const { stdout } = await run(process.execPath, [bundle], { cwd: root, timeout: 20_000 });
      const printed = stdout.split('\n').filter((l) => l.length > 0);
      expect(printed).toEqual(example.expected);
    }, 30_000);
  }
});
