/**
 * README.md's TypeScript blocks, as a user would paste them:
 * - every ```ts and ```typescript block type-checks (one `tsc` run over all of them, imports of `isoflux/*`
 *   mapped to src/, strict, each block its own module);
 * - every ```ts block also runs as a program, and each `// →` comment is the output its `console.log` must
 *   print. ```typescript marks a block that only type-checks (it needs a server, a browser or a tab).
 *
 * A block that uses names it does not define (a fragment: `render`, `cart`, …) declares them in an HTML
 * comment right above its fence, invisible on GitHub and npm:
 *   <!-- declare: const cart: Cart; function render(x: unknown): void; type Cart = { items: string[] } -->
 * Each `;`-separated item becomes a `declare` statement before the block (and is erased when it runs).
 * A block that cannot be checked at all carries a line `// @noCheck: <reason>`; keep those rare.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

interface Block {
  /** README line of the block's first code line. */
  readonly line: number;
  readonly code: string;
  /** `declare …` lines from the `<!-- declare: … -->` comment above the fence ('' when none). */
  readonly prelude: string;
  readonly runnable: boolean;
  /** The reason given by `// @noCheck: reason`, when the block opts out of type-checking. */
  readonly noCheck: string | undefined;
  readonly expected: string[];
}

/**
 * `const a: T; function f(): void; type T = { x: 1; y: 2 }` → `declare const a: T;`, `declare function f(): void;`,
 * `type T = { x: 1; y: 2 };` (split on the `;` outside brackets; `type` and `interface` stay as they are).
 */
function preludeOf(comment: string | undefined): string {
  if (comment === undefined) return '';
  const items: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < comment.length; i++) {
    const c = comment[i];
    if (c === '{' || c === '(' || c === '[' || c === '<') depth++;
    else if (c === '}' || c === ')' || c === ']' || (c === '>' && comment[i - 1] !== '=')) depth--;
    else if (c === ';' && depth === 0) {
      items.push(comment.slice(start, i));
      start = i + 1;
    }
  }
  items.push(comment.slice(start));
  return items
    .map((item) => item.trim())
    .filter((item) => item.length > 0)
    .map((item) => (/^(type|interface)\b/.test(item) ? `${item};` : `declare ${item};`))
    .join('\n');
}

async function readmeBlocks(file = `${root}README.md`): Promise<Block[]> {
  const text = await readFile(file, 'utf8');
  const blocks: Block[] = [];
  // The declare comment is one whole line right above the fence; the fence starts a line.
  const fence = /^(?:<!--[ \t]*declare:([^\n]*?)-->\n)?```(ts|typescript)\n([\s\S]*?)^```/gm;
  for (let m = fence.exec(text); m !== null; m = fence.exec(text)) {
    const code = m[3] as string;
    const fenceAt = m.index + m[0].indexOf('```');
    blocks.push({
      line: text.slice(0, fenceAt).split('\n').length + 1,
      code,
      prelude: preludeOf(m[1]),
      runnable: m[2] === 'ts',
      noCheck: /^\s*\/\/ @noCheck:\s*(.+)$/m.exec(code)?.[1]?.trim(),
      expected: [...code.matchAll(/\/\/ → (.*)$/gm)].map((e) => (e[1] as string).trim()),
    });
  }
  return blocks;
}

function pointAtSources(code: string): string {
  return code.replace(/from 'isoflux(\/[\w-]+)?'/g, (_all, sub: string | undefined) => `from '${root}src${sub ?? ''}/index.ts'`);
}

const checkDir = `${root}.tmp/readme-check`;
const blockFile = (block: Block) => `block-${block.line}.ts`;
/** The block as a module: prelude, then the code on its README lines' offsets, then `export {}`. */
const blockSource = (block: Block) => `${block.prelude}\n${block.code}\nexport {};\n`;

/**
 * Type-checks every block in one `tsc` run; resolves with the errors per block file, each as
 * `README.md:<line>:<col> TSxxxx: message`. Errors outside the blocks (in src/) are not the README's.
 */
async function typeCheck(blocks: Block[]): Promise<Map<string, string[]>> {
  await rm(checkDir, { recursive: true, force: true });
  await mkdir(checkDir, { recursive: true });
  for (const block of blocks) await writeFile(`${checkDir}/${blockFile(block)}`, blockSource(block));
  const tsconfig = {
    extends: '../../tsconfig.json',
    compilerOptions: {
      noEmit: true,
      // A README example may leave a variable for the reader; the repo's own sources keep the rule.
      noUnusedLocals: false,
      types: ['node'],
      baseUrl: '.',
      paths: { isoflux: ['../../src/index.ts'], 'isoflux/*': ['../../src/*/index.ts'] },
    },
    include: blocks.map(blockFile),
  };
  await writeFile(`${checkDir}/tsconfig.json`, JSON.stringify(tsconfig, null, 2));
  const tsc = `${root}node_modules/typescript/bin/tsc`;
  const output = await run(process.execPath, [tsc, '-p', `${checkDir}/tsconfig.json`, '--pretty', 'false'], { cwd: root, maxBuffer: 64 << 20 }).then(
    (r) => r.stdout,
    (error: { stdout?: string }) => error.stdout ?? String(error),
  );
  const errors = new Map<string, string[]>();
  const byFile = new Map(blocks.map((b) => [blockFile(b), b]));
  let last: string[] | undefined;
  for (const raw of output.split('\n')) {
    const m = /^(?:.*\/)?(block-\d+\.ts)\((\d+),(\d+)\): error (TS\d+): (.*)$/.exec(raw);
    if (m === null) {
      // A continuation line of the previous error (an elaborated type mismatch).
      if (last !== undefined && raw.startsWith('  ')) last[last.length - 1] += `\n${raw}`;
      else last = undefined;
      continue;
    }
    const block = byFile.get(m[1] as string) as Block;
    const preludeLines = block.prelude.split('\n').length;
    const line = block.line + Number(m[2]) - 1 - preludeLines;
    last = errors.get(m[1] as string) ?? [];
    last.push(`README.md:${line}:${m[3]} ${m[4]}: ${m[5]}`);
    errors.set(m[1] as string, last);
  }
  return errors;
}

describe('README examples', async () => {
  const blocks = await readmeBlocks();
  const checked = blocks.filter((b) => b.noCheck === undefined);
  let errors = new Map<string, string[]>();

  beforeAll(async () => {
    errors = await typeCheck(checked);
  }, 120_000);

  it('has examples to run and check', () => {
    expect(blocks.filter((b) => b.runnable).length).toBeGreaterThan(3);
    expect(checked.length).toBeGreaterThan(blocks.length / 2);
  });

  for (const block of blocks) {
    const kind = block.runnable ? 'ts' : 'typescript';
    if (block.noCheck === undefined) {
      it(`type-checks the ${kind} block at README.md:${block.line}`, () => {
        expect(errors.get(blockFile(block)) ?? [], 'fix the block, or declare what a fragment uses in <!-- declare: … --> above it').toEqual([]);
      });
    } else {
      it.skip(`type-checks the ${kind} block at README.md:${block.line} (@noCheck: ${block.noCheck})`, () => {});
    }
    if (!block.runnable) continue;
    it(`runs the example at README.md:${block.line}`, async () => {
      const dir = `${root}.tmp/readme`;
      await mkdir(dir, { recursive: true });
      const entry = `${dir}/example-${block.line}.ts`;
      const bundle = `${dir}/example-${block.line}.mjs`;
      await writeFile(entry, pointAtSources(blockSource(block)));
      await build({ entryPoints: [entry], outfile: bundle, bundle: true, format: 'esm', platform: 'node', packages: 'external', logLevel: 'silent' });
      const { stdout } = await run(process.execPath, [bundle], { cwd: root, timeout: 20_000 });
      const printed = stdout.split('\n').filter((l) => l.length > 0);
      expect(printed).toEqual(block.expected);
    }, 30_000);
  }
});
