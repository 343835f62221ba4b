/**
 * ESLint (with typescript-eslint) + Prettier, as Hono does, rather than Biome: the rules that catch real bugs
 * here are type-aware — a floating promise (an unhandled rejection in a transport loop), an `await` on a
 * non-promise, a promise passed where a callback's result is ignored — and typescript-eslint answers them with
 * the TypeScript checker the repo already pins (~5.9), where Biome infers types itself and covers a fraction.
 * Flat config's per-file blocks also carry the import-boundary rule (scripts/lint-boundaries.mjs) without a
 * resolver plugin. Formatting is Prettier's job (.prettierrc.json); no rule here checks layout.
 *
 * Scope: src/ gets the type-aware and the boundary rules; test/, bench/, demo/ and scripts/ get the syntactic
 * recommended rules (type-aware linting of them roughly doubles the run for little gain).
 * `npm run lint` runs it; .ci/run runs it before the tests.
 */
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import boundaries from './scripts/lint-boundaries.mjs';

export default tseslint.config(
  {
    // Build output, reports, and scratch: dot-folders and dot-files (.tmp/, .perf/, bench/.cache/ …) and `*.tmp.*`.
    ignores: ['dist/', 'docs/', 'bench/results/', 'test-results/', 'playwright-report/', '**/.*', '**/*.tmp.*'],
  },
  {
    files: ['**/*.ts', '**/*.mts', '**/*.mjs', '**/*.js'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      // The runtimes isoflux targets: the Web platform (browsers, workers, workerd, Deno) and Node for scripts.
      globals: { ...globals.browser, ...globals.worker, ...globals.node, Deno: 'readonly' },
    },
    rules: {
      // tsc's noUnusedLocals (npm run typecheck) already reports unused locals and imports; this rule would
      // repeat it at a third of the lint's time.
      '@typescript-eslint/no-unused-vars': 'off',
      // `let sub; … () => sub?.close() …; sub = new …`: a closure built before the value it reads is a pattern here.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // Validators of headers, subjects and terminal output match control characters on purpose.
      'no-control-regex': 'off',
      // `if (x) (a = 1), (b = 2);` groups short statements in this code base; TypeScript (2695) already reports
      // a comma operand without side effects, the bug this rule exists for.
      '@typescript-eslint/no-unused-expressions': 'off',
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { isoflux: boundaries },
    languageOptions: {
      // tsconfig.build.json holds src/ only: a program of the 140 library files, not of the tests and benchmarks
      // tsconfig.json adds, halves the type-aware run (measured: 15 s against 37 s of CPU).
      parserOptions: { project: './tsconfig.build.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      'isoflux/boundaries': 'error',
      // No `any` in the library: a public signature with `any` switches the user's type checking off.
      '@typescript-eslint/no-explicit-any': 'error',
      // Type-aware: each of these is a bug class seen in transport code (lost rejections, racing loops).
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    // Tests, benchmarks, the demo and scripts: `any` is sometimes the honest type of a fixture or a probe.
    files: ['test/**', 'bench/**', 'demo/**', 'scripts/**', '*.config.*'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
