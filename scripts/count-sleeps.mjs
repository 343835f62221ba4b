/**
 * Counts the fixed sleeps left in test/ and bench/, lists each with its reason, and fails above the budget.
 *
 * A fixed sleep is a wait for a fixed time after which the test assumes something happened (or did not):
 * `await sleep(50); expect(got).toEqual(…)`. It makes a test slow on a fast machine and flaky on a loaded one.
 * The rule, applied to the syntax tree (TypeScript's parser) of every .ts/.mts/.mjs/.js file and the inline
 * scripts of every .html file under test/ and bench/:
 *
 * 1. A *timer wait* is a call of a timer promise: `new Promise((r) => setTimeout(r, ms))`, a wrapper whose
 *    whole body is one (`sleep`, `tick`, `delay`, `settle` … found by that shape, in any file), or a
 *    Playwright `waitForTimeout(ms)`. A `setTimeout(fn, ms)` that does something later (`controller.abort()`)
 *    is a *timed action* and counts like a timer wait; one that only rejects or fails is a deadline, not a wait.
 *    Wrapper definitions themselves are not sites; their calls are.
 * 2. Not fixed sleeps (listed with --all, never counted):
 *    - `poll`: the wait is the body of a loop whose condition re-reads state (`while (!done && Date.now() <
 *      deadline) await sleep(10)`): the test moves on when the state holds, the time only paces the loop.
 *      A loop that merely counts (`for (let i = 0; i < 5; i++)`) or watches the clock (`while (Date.now() <
 *      end)`) is not a poll.
 *    - `work`: the wait is inside a callback for the code under test (an argument, an object-literal
 *      method or a factory's return value: a handler, a validator, a target's send): it stands for slow
 *      work; the test waits for that work's result, not for the clock.
 *    - `deadline`: a timer that only rejects (a timeout around an event wait).
 *    - `turn`: a zero-delay timer (`turn()`, `sleep(0)`, `setTimeout(r, 0)`): it waits for no time, only
 *      until the microtasks queued before it have run, which settles in-process code (memory bus, streams)
 *      exactly; listed with --all so a reviewer can see none stands in for I/O.
 * 3. Everything else is `fixed` and counts. Each must carry `// fixed sleep: <reason>` on its line or in
 *    the comment lines right above its statement; the reason says why no event can take its place.
 *
 * Usage: `node scripts/count-sleeps.mjs [--all] [--max N]` prints the count and every fixed site with its
 * reason; exits 1 when the count exceeds the budget (10) or a fixed site has no reason.
 * @module
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIRS = ['test', 'bench'];
const EXTENSIONS = ['.ts', '.mts', '.mjs', '.js', '.html'];
const BUDGET = 10;
/** Functions whose callback is the test's own control flow, not code under test. */
const FRAMEWORK = new Set(['it', 'test', 'describe', 'beforeEach', 'afterEach', 'beforeAll', 'afterAll', 'step', 'each', 'skip', 'only', 'concurrent', 'sequential', 'for']);
/** Callees that call their callback as part of the caller's own flow (`xs.map(async …)`, `p.then(…)`). */
const TRANSPARENT = new Set(['map', 'flatMap', 'forEach', 'filter', 'reduce', 'some', 'every', 'find', 'then', 'catch', 'finally', 'all', 'allSettled', 'race', 'any', 'from', 'evaluate', 'withTimeout', 'Promise']);

/** @param {string} dir @returns {string[]} */
function files(dir) {
  const abs = join(ROOT, dir);
  return readdirSync(abs, { recursive: true, encoding: 'utf8' })
    .filter((f) => EXTENSIONS.some((e) => f.endsWith(e)) && !f.split(sep).some((part) => part === 'node_modules' || part.startsWith('.')))
    .filter((f) => !f.endsWith('.d.ts') && statSync(join(abs, f)).isFile())
    .map((f) => relative(ROOT, join(abs, f)).split(sep).join('/'))
    .sort();
}

/** Source text to parse: the file, or for HTML its inline scripts (other lines blanked, so line numbers hold). */
function sourceOf(path) {
  const text = readFileSync(join(ROOT, path), 'utf8');
  if (!path.endsWith('.html')) return text;
  let out = '';
  let inScript = false;
  for (const line of text.split('\n')) {
    if (/<\/script>/i.test(line)) inScript = false;
    out += (inScript ? line : '') + '\n';
    if (/<script\b[^>]*>/i.test(line) && !/<\/script>/i.test(line)) inScript = true;
  }
  return out;
}

const calleeName = (/** @type {ts.Expression} */ e) =>
  ts.isIdentifier(e) ? e.text : ts.isPropertyAccessExpression(e) ? e.name.text : ts.isCallExpression(e) ? calleeName(e.expression) : undefined;

/** `setTimeout(r, ms)` as the executor body of `new Promise((r) => …)`: resolves after ms. */
function isTimerPromise(/** @type {ts.Node} */ node) {
  if (!ts.isNewExpression(node) || calleeName(node.expression) !== 'Promise') return false;
  const executor = node.arguments?.[0];
  if (!executor || !(ts.isArrowFunction(executor) || ts.isFunctionExpression(executor))) return false;
  const resolve = executor.parameters[0]?.name;
  if (!resolve || !ts.isIdentifier(resolve)) return false;
  let found = false;
  const visit = (/** @type {ts.Node} */ n) => {
    if (ts.isCallExpression(n) && calleeName(n.expression) === 'setTimeout' && n.arguments[0] && ts.isIdentifier(n.arguments[0]) && n.arguments[0].text === resolve.text) found = true;
    ts.forEachChild(n, visit);
  };
  visit(executor.body);
  return found;
}

/** The function a wrapper declaration defines, if its whole body is one timer promise: `const sleep = (ms) => new Promise(…)`. */
function wrapperName(/** @type {ts.Node} */ node, known = new Set()) {
  let name;
  let fn;
  if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer && (ts.isArrowFunction(node.initializer) || ts.isFunctionExpression(node.initializer))) {
    name = node.name.text;
    fn = node.initializer;
  } else if (ts.isFunctionDeclaration(node) && node.name) {
    name = node.name.text;
    fn = node;
  }
  if (!fn?.body) return undefined;
  let body = fn.body;
  if (ts.isBlock(body)) {
    if (body.statements.length !== 1 || !ts.isReturnStatement(body.statements[0]) || !body.statements[0].expression) return undefined;
    body = body.statements[0].expression;
  }
  while (ts.isParenthesizedExpression(body) || ts.isAsExpression(body)) body = body.expression;
  const callsWrapper = ts.isCallExpression(body) && ts.isIdentifier(body.expression) && known.has(body.expression.text);
  if (!isTimerPromise(body) && !callsWrapper) return undefined;
  // How long it waits when called without a delay argument: zero (`turn`, `tick(ms = 0)`) or not (`settle`).
  let delay = callsWrapper ? body.arguments[0] : undefined;
  if (!callsWrapper) {
    const visit = (/** @type {ts.Node} */ n) => {
      if (ts.isCallExpression(n) && calleeName(n.expression) === 'setTimeout') delay = n.arguments[1];
      ts.forEachChild(n, visit);
    };
    visit(body);
  }
  const param = fn.parameters.find((p) => delay && ts.isIdentifier(p.name) && ts.isIdentifier(delay) && p.name.text === delay.text);
  const zeroWhenBare = param ? param.initializer !== undefined && isZero(param.initializer) : delay === undefined || isZero(delay) || (callsWrapper && ZERO_WHEN_BARE.has(body.expression.text) && delay === undefined);
  if (zeroWhenBare) ZERO_WHEN_BARE.add(name);
  else ZERO_WHEN_BARE.delete(name);
  return name;
}

/** Wrappers that wait 0 ms when called without an argument. */
const ZERO_WHEN_BARE = new Set();
const isZero = (/** @type {ts.Expression | undefined} */ e) => e !== undefined && ts.isNumericLiteral(e) && Number(e.text) === 0;

const parse = (path) => ts.createSourceFile(path, sourceOf(path), ts.ScriptTarget.Latest, true, path.endsWith('.html') || path.endsWith('js') ? ts.ScriptKind.JS : ts.ScriptKind.TS);

/** The scanned file a relative import names, if any. */
function resolveImport(from, specifier, known) {
  if (!specifier.startsWith('.')) return undefined;
  const base = join(dirname(from), specifier).split(sep).join('/');
  return [base, base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts'), `${base}.ts`, `${base}/index.ts`].find((p) => known.has(p));
}

/** Per file: the timer wrappers it defines or imports (under the local name), to a fixed point. */
function findWrappers(sources) {
  const byPath = new Map(sources.map((sf) => [sf.fileName, new Set()]));
  for (let changed = true; changed; ) {
    changed = false;
    for (const sf of sources) {
      const names = byPath.get(sf.fileName);
      const add = (name) => {
        if (name && !names.has(name)) (names.add(name), (changed = true));
      };
      const visit = (/** @type {ts.Node} */ n) => {
        add(wrapperName(n, names));
        if (ts.isImportDeclaration(n) && ts.isStringLiteral(n.moduleSpecifier) && n.importClause?.namedBindings && ts.isNamedImports(n.importClause.namedBindings)) {
          const source = byPath.get(resolveImport(sf.fileName, n.moduleSpecifier.text, byPath) ?? '');
          for (const el of n.importClause.namedBindings.elements) if (source?.has((el.propertyName ?? el.name).text)) add(el.name.text);
        }
        ts.forEachChild(n, visit);
      };
      visit(sf);
    }
  }
  return byPath;
}

const isFunction = (/** @type {ts.Node} */ n) => ts.isArrowFunction(n) || ts.isFunctionExpression(n) || ts.isFunctionDeclaration(n) || ts.isMethodDeclaration(n);

/**
 * True when a loop ends on state: its condition re-reads state (not only its own counter or the clock), its
 * body leaves (`return`, `break`) under an `if` that does (`for (;;) { if (await healthy()) return; … }`), or
 * it leaves from a `try` once an operation succeeds (retry until it works).
 */
function isPollLoop(/** @type {ts.Node} */ loop) {
  const own = new Set();
  if (ts.isForStatement(loop) && loop.initializer && ts.isVariableDeclarationList(loop.initializer)) {
    for (const d of loop.initializer.declarations) if (ts.isIdentifier(d.name)) own.add(d.name.text);
  }
  const condition = ts.isWhileStatement(loop) || ts.isDoStatement(loop) ? loop.expression : ts.isForStatement(loop) ? loop.condition : undefined;
  if (condition && condition.kind !== ts.SyntaxKind.TrueKeyword && readsState(condition, own)) return true;
  const body = /** @type {ts.IterationStatement} */ (loop).statement;
  const exits = (/** @type {ts.Node} */ n) => {
    let found = false;
    const visit = (/** @type {ts.Node} */ m) => {
      if (ts.isReturnStatement(m) || ts.isBreakStatement(m)) found = true;
      else if (!isFunction(m)) ts.forEachChild(m, visit);
    };
    visit(n);
    return found;
  };
  // …or retries until an operation succeeds: `for (;;) { try { await connect(); return; } catch { … } }`.
  return (ts.isBlock(body) ? body.statements : [body]).some(
    (s) => (ts.isIfStatement(s) && exits(s.thenStatement) && readsState(s.expression, own)) || (ts.isTryStatement(s) && exits(s.tryBlock)),
  );
}

/** True when `condition` reads state beyond `own` loop counters and clock comparisons. */
function readsState(/** @type {ts.Expression} */ condition, /** @type {Set<string>} */ own) {
  // A conjunct that compares the clock (`Date.now() < deadline`) only bounds the loop: it reads no state.
  const isClock = (/** @type {ts.Node} */ n) => /\b(?:Date\.now|performance\.now)\(\)/.test(n.getText());
  const conjuncts = [];
  const split = (/** @type {ts.Expression} */ e) => {
    while (ts.isParenthesizedExpression(e)) e = e.expression;
    if (ts.isBinaryExpression(e) && (e.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken || e.operatorToken.kind === ts.SyntaxKind.BarBarToken)) {
      split(e.left);
      split(e.right);
    } else conjuncts.push(e);
  };
  split(condition);
  // A conjunct that compares the loop's own counter (`i < count`) only counts.
  const counts = (/** @type {ts.Expression} */ c) => {
    let mentionsOwn = false;
    const visit = (/** @type {ts.Node} */ n) => {
      if (ts.isIdentifier(n) && own.has(n.text)) mentionsOwn = true;
      ts.forEachChild(n, visit);
    };
    visit(c);
    return mentionsOwn && ts.isBinaryExpression(c);
  };
  return conjuncts.some((c) => {
    if (isClock(c) || counts(c)) return false;
    let readsState = false;
    const visit = (/** @type {ts.Node} */ n) => {
      if (ts.isIdentifier(n) && !own.has(n.text)) readsState = true;
      if (ts.isCallExpression(n) || ts.isPropertyAccessExpression(n) || ts.isAwaitExpression(n)) readsState = true;
      ts.forEachChild(n, visit);
    };
    visit(c);
    return readsState;
  });
}

/** Functions the file itself declares: a callback handed to one (`withProfile(async (page) => …)`) is the test's own flow. */
const LOCAL = new WeakMap();
function localFunctions(/** @type {ts.SourceFile} */ sf) {
  let names = LOCAL.get(sf);
  if (names) return names;
  names = new Set();
  for (const s of sf.statements) {
    if (ts.isFunctionDeclaration(s) && s.name) names.add(s.name.text);
    if (ts.isVariableStatement(s)) for (const d of s.declarationList.declarations) if (ts.isIdentifier(d.name) && d.initializer && isFunction(d.initializer)) names.add(d.name.text);
  }
  LOCAL.set(sf, names);
  return names;
}

/** The kind of a timer site: poll, work, or fixed. */
function classify(/** @type {ts.Node} */ site) {
  let child = site;
  for (let n = site.parent; n; child = n, n = n.parent) {
    if ((ts.isWhileStatement(n) || ts.isDoStatement(n) || ts.isForStatement(n)) && child === n.statement && isPollLoop(n)) return 'poll';
    if (!isFunction(n)) continue;
    if (ts.isMethodDeclaration(n) && ts.isObjectLiteralExpression(n.parent)) return 'work'; // `{ async pull(c) { … } }`
    if (ts.isFunctionDeclaration(n) || ts.isMethodDeclaration(n)) return 'fixed';
    // A callback: directly an argument, or a property of an object literal argument.
    let holder = n.parent;
    if (ts.isPropertyAssignment(holder)) holder = holder.parent?.parent;
    if (holder && (ts.isCallExpression(holder) || ts.isNewExpression(holder)) && holder.expression !== n) {
      const name = calleeName(holder.expression);
      if (name && FRAMEWORK.has(name)) return 'fixed';
      if (name && (TRANSPARENT.has(name) || localFunctions(n.getSourceFile()).has(name))) continue;
      return 'work';
    }
    // A handler built for the code under test: a method of an object literal (`{ validate: (v) => … }`),
    // or what a factory returns (`return slow ? async (m) => … : …`).
    let up = n.parent;
    while (up && (ts.isParenthesizedExpression(up) || ts.isConditionalExpression(up) || ts.isAsExpression(up))) up = up.parent;
    if (up && (ts.isPropertyAssignment(up) || ts.isReturnStatement(up))) return 'work';
    // A local function (`const run = async () => …`) is the test's flow; keep climbing to its owner.
  }
  return 'fixed';
}

/** A `setTimeout(fn, ms)` whose callback rejects, throws or kills: a deadline around some other wait. */
function isDeadline(/** @type {ts.CallExpression} */ call) {
  const fn = call.arguments[0];
  if (!fn || !(ts.isArrowFunction(fn) || ts.isFunctionExpression(fn))) return false;
  return /\breject\(|\bthrow\b|\.kill\(|\bfail\(/.test(fn.body.getText());
}

/** The `// fixed sleep: …` reason on the site's line or in the comments right above its statement. */
function reasonOf(sf, site, lines) {
  let statement = site;
  while (statement.parent && !ts.isBlock(statement.parent) && !ts.isSourceFile(statement.parent) && !ts.isCaseClause(statement.parent)) statement = statement.parent;
  const first = sf.getLineAndCharacterOfPosition(statement.getStart(sf)).line;
  const at = sf.getLineAndCharacterOfPosition(site.getStart(sf)).line;
  const candidates = [];
  for (let l = first; l <= at; l++) candidates.push(lines[l]);
  for (let l = first - 1; l >= 0 && /^\s*(\/\/|\*|\/\*)/.test(lines[l]); l--) candidates.push(lines[l]);
  for (const line of candidates) {
    const m = /\/\/\s*fixed sleep:\s*(.+?)\s*$/.exec(line ?? '');
    if (m) return m[1];
  }
  return undefined;
}

export function countSleeps() {
  const paths = DIRS.flatMap(files);
  const sources = paths.map(parse);
  const byPath = findWrappers(sources);
  /** @type {Array<{ path: string; line: number; kind: string; text: string; reason?: string }>} */
  const sites = [];
  for (const sf of sources) {
    const wrappers = byPath.get(sf.fileName);
    const lines = sf.text.split('\n');
    const visit = (/** @type {ts.Node} */ n) => {
      let site;
      if (ts.isCallExpression(n)) {
        const name = calleeName(n.expression);
        if (ts.isIdentifier(n.expression) && wrappers.has(n.expression.text) && !isWrapperBody(n, wrappers)) site = n;
        else if (ts.isPropertyAccessExpression(n.expression) && name === 'waitForTimeout') site = n;
        else if (name === 'setTimeout' && !ts.isPropertyAccessExpression(n.expression) && n.arguments.length >= 2) {
          const first = n.arguments[0];
          // setTimeout(resolve, ms) inside a timer promise is handled at the promise.
          const resolvesPromise = first && ts.isIdentifier(first) && findPromise(n);
          if (!resolvesPromise && !isDeadline(n)) site = n;
        }
      } else if (isTimerPromise(n) && !isWrapperBody(n)) site = n;
      if (site) {
        const line = sf.getLineAndCharacterOfPosition(site.getStart(sf)).line;
        const timed = ts.isCallExpression(site) && calleeName(site.expression) === 'setTimeout';
        const kind0 = timed ? timedAction(site) : classify(site);
        const kind = kind0 === 'fixed' && !timed && isZeroDelay(site) ? 'turn' : kind0;
        sites.push({ path: sf.fileName, line: line + 1, kind, text: lines[line].trim(), reason: kind === 'fixed' ? reasonOf(sf, site, lines) : undefined });
        if (!ts.isNewExpression(site)) {
          ts.forEachChild(n, visit);
          return;
        }
        return;
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  return { sites, wrappers: [...new Set([...byPath.values()].flatMap((n) => [...n]))].sort() };
}

/** A timer wait for 0 ms: `sleep(0)`, `turn()` (a wrapper called without a delay), `setTimeout(r, 0)`. */
function isZeroDelay(/** @type {ts.Node} */ site) {
  if (ts.isCallExpression(site)) {
    if (calleeName(site.expression) === 'waitForTimeout') return false;
    const arg = site.arguments[0];
    return arg === undefined ? ZERO_WHEN_BARE.has(calleeName(site.expression) ?? '') : isZero(arg);
  }
  const zero = (/** @type {ts.Expression | undefined} */ e) => e === undefined || isZero(e);
  let delay;
  const visit = (/** @type {ts.Node} */ n) => {
    if (ts.isCallExpression(n) && calleeName(n.expression) === 'setTimeout') delay = n.arguments[1] ?? null;
    ts.forEachChild(n, visit);
  };
  visit(site);
  return delay === null || (delay !== undefined && zero(delay));
}

/** A timed action counts as fixed unless it is handed to the code under test. */
const timedAction = (/** @type {ts.Node} */ site) => {
  const kind = classify(site);
  return kind === 'poll' ? 'fixed' : kind;
};

/** The enclosing `new Promise` whose resolve is the first argument of this setTimeout. */
function findPromise(/** @type {ts.CallExpression} */ call) {
  const name = /** @type {ts.Identifier} */ (call.arguments[0]).text;
  for (let n = call.parent; n; n = n.parent) {
    if (isFunction(n) && n.parameters[0] && ts.isIdentifier(n.parameters[0].name) && n.parameters[0].name.text === name) return isTimerPromise(n.parent);
  }
  return false;
}

/** The timer promise that is a wrapper's whole body (`const sleep = (ms) => new Promise(…)`). */
function isWrapperBody(/** @type {ts.Node} */ promise, known = new Set()) {
  let n = promise.parent;
  while (n && (ts.isParenthesizedExpression(n) || ts.isAsExpression(n) || ts.isReturnStatement(n) || ts.isBlock(n))) n = n.parent;
  if (!n || !isFunction(n)) return false;
  return wrapperName(ts.isFunctionDeclaration(n) ? n : n.parent, known) !== undefined;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const maxAt = args.indexOf('--max');
  const max = maxAt === -1 ? BUDGET : Number(args[maxAt + 1]);
  const { sites, wrappers } = countSleeps();
  const fixed = sites.filter((s) => s.kind === 'fixed');
  const unexplained = fixed.filter((s) => s.reason === undefined);
  const tally = ['poll', 'work', 'turn'].map((k) => `${k} ${sites.filter((s) => s.kind === k).length}`).join(', ');
  console.log(`fixed sleeps in test/ and bench/: ${fixed.length} (budget ${max}); not counted: ${tally}; timer wrappers: ${wrappers.join(', ')}`);
  for (const s of fixed) console.log(`  ${s.path}:${s.line}  ${s.reason === undefined ? 'NO REASON: ' + s.text : s.reason}`);
  if (args.includes('--all')) {
    for (const kind of ['poll', 'work', 'turn']) {
      const of = sites.filter((s) => s.kind === kind);
      console.log(`${kind} (not counted): ${of.length}`);
      for (const s of of) console.log(`  ${s.path}:${s.line}  ${s.text}`);
    }
  }
  if (fixed.length > max) console.log(`FAIL: ${fixed.length} fixed sleeps, budget ${max}: wait for the event the test depends on (test/portable/waits.ts)`);
  if (unexplained.length > 0) console.log(`FAIL: ${unexplained.length} fixed sleep(s) without a '// fixed sleep: <reason>' comment`);
  process.exitCode = fixed.length > max || unexplained.length > 0 ? 1 : 0;
}
