/**
 * The subset of the `vitest` API that test/portable uses, for runtimes Vitest cannot drive
 * (Deno, workerd). Deno's import map and the workerd esbuild bundle alias `vitest` to this file.
 *
 * Surface: describe, it/test, beforeAll, afterAll, beforeEach, afterEach (nested, Vitest's
 * "stack" order, a returned function is a teardown), inject, expect. `expect` is assembled
 * from @vitest/expect + chai exactly as Vitest assembles its own, so matchers behave the same.
 * No `vi`, no `.skip/.only/.each`: portable tests never skip.
 *
 * Runner side: a driver calls beginFile/endFile around each test file's import, then runs
 * `collectedTests()` one after another, in order (suite afterAll hooks rely on that).
 * @module
 */
import {
  ASYMMETRIC_MATCHERS_OBJECT,
  ChaiStyleAssertions,
  GLOBAL_EXPECT,
  JestAsymmetricMatchers,
  JestChaiExpect,
  JestExtend,
  chai,
  customMatchers,
  getState,
  setState,
  type ExpectStatic,
} from '@vitest/expect';
import { printDiffOrStringify } from '@vitest/utils/diff';

// ---------------------------------------------------------------- expect (as vitest builds it)
chai.use(JestExtend);
chai.use(JestChaiExpect);
chai.use(ChaiStyleAssertions);
chai.use(JestAsymmetricMatchers);

export const expect: ExpectStatic = ((value: unknown, message?: string) => {
  setState({ assertionCalls: getState(expect).assertionCalls + 1 }, expect);
  return chai.expect(value, message);
}) as ExpectStatic;
Object.assign(expect, chai.expect);
Object.assign(expect, (globalThis as Record<PropertyKey, unknown>)[ASYMMETRIC_MATCHERS_OBJECT]);
setState({ assertionCalls: 0, isExpectingAssertions: false, expectedAssertionsNumber: null }, expect);
expect.getState = () => getState(expect);
expect.setState = (state) => setState(state, expect);
// JestExtend adds `extend` to chai.expect at runtime (Vitest's own types omit it there too).
(chai.expect as unknown as { extend(e: ExpectStatic, m: typeof customMatchers): void }).extend(expect, customMatchers);
Object.defineProperty(globalThis, GLOBAL_EXPECT, { value: expect, writable: true, configurable: true });

// ---------------------------------------------------------------- inject
/** The keys Vitest's globalSetup provides (test/setup/global.ts); the drivers provide the same. */
export interface ProvidedContext {
  natsWsUrl: string;
  natsTcpUrl: string;
  natsMonitorUrl: string;
  natsControlUrl: string;
  pgUrl: string;
}
let provided: Partial<ProvidedContext> = {};

/** Driver side: the values `inject()` returns. */
export function provide(values: Partial<ProvidedContext>): void {
  provided = { ...values };
}

export function inject<K extends keyof ProvidedContext>(key: K): ProvidedContext[K] {
  const value = provided[key];
  if (value === undefined) throw new Error(`inject('${key}'): the harness did not provide it`);
  return value as ProvidedContext[K];
}

// ---------------------------------------------------------------- collection
type Fn = (...args: never[]) => unknown;
type Hook = () => unknown;
type TestOptions = number | { timeout?: number };

/** Default per-test and per-hook timeout, the same as vitest.config.ts. */
export const DEFAULT_TIMEOUT = 10_000;

interface Suite {
  name: string;
  parent: Suite | undefined;
  beforeAll: Hook[];
  afterAll: Hook[];
  beforeEach: Hook[];
  afterEach: Hook[];
  /** Tests (direct and nested) not yet run; afterAll fires when it reaches 0. */
  remaining: number;
  started: boolean;
  beforeAllError: unknown;
  teardowns: Hook[];
}

/** One collected test, ready to run; `run()` rejects with the test's (first) error. */
export interface TestCase {
  /** `file > describe > … > test` (as Vitest's full name, with the file in front). */
  readonly name: string;
  readonly file: string;
  run(): Promise<void>;
}

const cases: TestCase[] = [];
const suitesOf = new WeakMap<TestCase, Suite[]>();
let current: Suite | undefined;
let currentFile = '';

function newSuite(name: string, parent: Suite | undefined): Suite {
  return { name, parent, beforeAll: [], afterAll: [], beforeEach: [], afterEach: [], remaining: 0, started: false, beforeAllError: undefined, teardowns: [] };
}

function chain(suite: Suite): Suite[] {
  const out: Suite[] = [];
  for (let s: Suite | undefined = suite; s; s = s.parent) out.unshift(s);
  return out;
}

function active(what: string): Suite {
  if (!current) throw new Error(`${what}() called outside a test file being collected by the harness`);
  return current;
}

/** Driver side: the following describe/it calls belong to `file` (its own root suite). */
export function beginFile(file: string): void {
  currentFile = file;
  current = newSuite(file, undefined);
}

/** Driver side: end of the file started with {@link beginFile}. */
export function endFile(): void {
  current = undefined;
}

/** Driver side: a file (or describe body) that threw while being collected becomes one failing test. */
export function collectionFailed(name: string, error: unknown): void {
  cases.push({ name: `${name} (collection failed)`, file: currentFile, run: () => Promise.reject(error) });
}

export function collectedTests(): readonly TestCase[] {
  return cases;
}

export function describe(name: string, fn: () => void): void;
export function describe(name: string, options: TestOptions, fn: () => void): void;
export function describe(name: string, a: TestOptions | (() => void), b?: () => void): void {
  const fn = typeof a === 'function' ? a : b;
  if (typeof fn !== 'function') throw new TypeError(`describe('${name}') needs a function`);
  const parent = active('describe');
  const suite = newSuite(name, parent);
  const before = cases.length;
  current = suite;
  try {
    const r = fn() as unknown;
    if (r instanceof Promise) throw new Error(`describe('${name}') returned a promise: describe bodies must be synchronous`);
  } catch (error) {
    // Like Vitest, a describe that throws runs none of its tests: one failure stands for them.
    for (const dropped of cases.splice(before)) for (const s of suitesOf.get(dropped) ?? []) s.remaining--;
    collectionFailed(chain(suite).map((s) => s.name).join(' > '), error);
  } finally {
    current = parent;
  }
}

export function it(name: string, fn: Fn, options?: TestOptions): void;
export function it(name: string, options: TestOptions, fn: Fn): void;
export function it(name: string, a: Fn | TestOptions, b?: Fn | TestOptions): void {
  const fn = (typeof a === 'function' ? a : b) as Fn | undefined;
  const options = (typeof a === 'function' ? b : a) as TestOptions | undefined;
  if (typeof fn !== 'function') throw new TypeError(`it('${name}') needs a function (portable tests never skip or todo)`);
  const timeout = typeof options === 'number' ? options : (options?.timeout ?? DEFAULT_TIMEOUT);
  const suite = active('it');
  const suites = chain(suite);
  for (const s of suites) s.remaining++;
  const fullName = [...suites.map((s) => s.name), name].join(' > ');
  const testCase: TestCase = { name: fullName, file: currentFile, run: () => quietly(fullName, () => runTest(fullName, suites, fn, timeout)) };
  suitesOf.set(testCase, suites);
  cases.push(testCase);
}
/**
 * `it.each(table)(name, fn)`: one test per row, the row spread into `fn`; `%s`, `%d`, `%i`, `%j` and `%o` in
 * `name` take the row's values in order (as Vitest does for array rows).
 */
it.each = <T extends readonly unknown[]>(table: readonly T[]) =>
  (name: string, fn: (...row: T) => unknown, options?: TestOptions): void => {
    for (const row of table) {
      let i = 0;
      const title = name.replace(/%[sdijo]/g, () => {
        const value = row[i++];
        return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value));
      });
      it(title, () => fn(...row), options);
    }
  };
export const test = it;

export const beforeAll = (fn: Hook): void => void active('beforeAll').beforeAll.push(fn);
export const afterAll = (fn: Hook): void => void active('afterAll').afterAll.push(fn);
export const beforeEach = (fn: Hook): void => void active('beforeEach').beforeEach.push(fn);
export const afterEach = (fn: Hook): void => void active('afterEach').afterEach.push(fn);

// ---------------------------------------------------------------- running
async function withTimeout<T>(what: string, ms: number, fn: () => T | Promise<T>, onTimeout?: (e: Error) => void): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new Error(`${what} timed out in ${ms}ms`);
      onTimeout?.(error);
      reject(error);
    }, ms);
  });
  try {
    return await Promise.race([Promise.resolve().then(fn), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs hooks in order, collecting returned teardown functions; returns the first error. */
async function runHooks(what: string, hooks: Hook[], teardowns?: Hook[]): Promise<unknown> {
  for (const hook of hooks) {
    try {
      const r = await withTimeout(what, DEFAULT_TIMEOUT, hook);
      if (typeof r === 'function' && teardowns) teardowns.unshift(r as Hook);
    } catch (error) {
      return error ?? new Error(`${what} failed`);
    }
  }
  return undefined;
}

const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug'] as const;
/** ISOFLUX_TEST_LOGS=1 prints every log as it happens (where the runtime lets us read the environment). */
const showAllLogs = (() => {
  try {
    return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.ISOFLUX_TEST_LOGS === '1';
  } catch {
    return false;
  }
})();

/**
 * Like Vitest's `silent: 'passed-only'` (vitest.config.ts): what a test logs is held back and printed only
 * when the test fails, so expected failures (`[isoflux] handler failed …`) do not flood a passing run.
 */
async function quietly(fullName: string, run: () => Promise<void>): Promise<void> {
  if (showAllLogs) return run();
  const held: [(typeof CONSOLE_METHODS)[number], unknown[]][] = [];
  const original = CONSOLE_METHODS.map((m) => [m, console[m]] as const);
  for (const m of CONSOLE_METHODS) console[m] = (...args: unknown[]) => void held.push([m, args]);
  try {
    await run();
  } catch (error) {
    for (const [m, fn] of original) console[m] = fn;
    if (held.length) console.error(`--- output of '${fullName}' (held back while it ran) ---`);
    for (const [m, args] of held) console[m](...args);
    throw error;
  } finally {
    for (const [m, fn] of original) console[m] = fn;
  }
}

async function runTest(fullName: string, suites: Suite[], fn: Fn, timeout: number): Promise<void> {
  const errors: unknown[] = [];
  const fail = (e: unknown) => e !== undefined && errors.push(e);
  // beforeAll, outermost first, once per suite; a failed one fails every test below it.
  for (const s of suites) {
    if (!s.started) {
      s.started = true;
      s.beforeAllError = await runHooks(`beforeAll of '${s.name}'`, s.beforeAll, s.teardowns);
    }
    if (s.beforeAllError !== undefined) {
      fail(s.beforeAllError);
      break;
    }
  }
  if (errors.length === 0) {
    const teardowns: Hook[] = [];
    for (const s of suites) {
      fail(await runHooks(`beforeEach of '${s.name}'`, s.beforeEach, teardowns));
      if (errors.length) break;
    }
    if (errors.length === 0) {
      setState({ assertionCalls: 0, currentTestName: fullName }, expect);
      // Like Vitest's test context: `signal` aborts when the test times out.
      const controller = new AbortController();
      const context = { expect, signal: controller.signal, task: { name: fullName } };
      try {
        await withTimeout(`Test '${fullName}'`, timeout, () => (fn as (ctx: unknown) => unknown)(context), (e) => controller.abort(e));
      } catch (error) {
        fail(error ?? new Error('test failed with undefined'));
      }
    }
    // "stack" order: teardowns from beforeEach, then afterEach innermost first, each list reversed.
    fail(await runHooks(`beforeEach teardown`, teardowns));
    for (const s of [...suites].reverse()) fail(await runHooks(`afterEach of '${s.name}'`, [...s.afterEach].reverse()));
  }
  // afterAll of every suite this was the last test of, innermost first.
  for (const s of [...suites].reverse()) {
    if (--s.remaining === 0 && s.started) {
      fail(await runHooks(`beforeAll teardown of '${s.name}'`, s.teardowns));
      fail(await runHooks(`afterAll of '${s.name}'`, [...s.afterAll].reverse()));
    }
  }
  if (errors.length) throw withDiff(errors[0], errors.length - 1);
}

/** Appends Vitest's diff of expected vs received to an assertion error, as Vitest prints it. */
function withDiff(error: unknown, more: number): unknown {
  if (!(error instanceof Error)) return error;
  const e = error as Error & { actual?: unknown; expected?: unknown; showDiff?: boolean };
  const before = e.message;
  try {
    if (e.showDiff !== false && 'actual' in e && 'expected' in e) {
      const diff = printDiffOrStringify(e.actual, e.expected);
      if (diff) e.message += `\n\n${diff}`;
    }
  } catch {
    /* a diff is a nicety */
  }
  if (more > 0) e.message += `\n(and ${more} more error(s) from hooks)`;
  // Runtimes print `stack`, which captured the message at construction. (When the stack's header is
  // not `Name: message`, e.g. from `.rejects`, Deno prints the message itself and then the stack.)
  const header = `${e.name}: ${before}`;
  if (e.stack?.startsWith(header) && e.message !== before) e.stack = `${e.name}: ${e.message}${e.stack.slice(header.length)}`;
  return e;
}
