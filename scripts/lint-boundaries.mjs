/**
 * The import-boundary rule (`isoflux/boundaries`), a local ESLint rule: which src/ folder may import which.
 * It resolves every relative import (static, `export … from`, dynamic `import()`, `import('…')` types) to the
 * src/ folder it lands in and checks it against {@link LAYERS}; a bare specifier must be the folder's own
 * third-party client. Test, bench and demo files are not checked: they may import anything.
 *
 * The layers (ARCHITECTURE.md draws them):
 * - `core/` imports nothing outside `core/`, not even a package: it is the runtime-neutral contract.
 * - `transport/` (the kit, `isoflux/transport`) imports `core/` only.
 * - a transport imports `core/`, `transport/`, its own folder and its own client — never another transport's files. The one
 *   declared crossing: `jetstream/` builds on `nats/internal.ts` (the public `isoflux/nats/internal` entry, as
 *   `@nats-io/jetstream` builds on `@nats-io/nats-core/internal`).
 * - a composition folder (middleware, pipe, stream, topic, otel) imports `core/` and other composition folders
 *   (stream builds on pipe, pipe and topic on middleware), never a transport.
 * - `src/index.ts`, the root entry, re-exports `core/` only.
 * @module
 */
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');

const COMPOSITION = ['middleware', 'pipe', 'stream', 'topic', 'otel'];

/**
 * Per src/ folder: the other src/ folders (or single files, `folder/file.ts`) it may import, and the
 * packages it may import (a package's subpaths, such as `@nats-io/nats-core/internal`, count as the package).
 */
export const LAYERS = {
  core: { folders: [], packages: [] },
  // The transport kit (isoflux/transport): the facade and the driver toolkit, on core only.
  transport: { folders: ['core'], packages: [] },
  // Transports: core + the kit + own client.
  memory: { folders: ['core', 'transport'], packages: [] },
  broadcast: { folders: ['core', 'transport'], packages: [] },
  worker: { folders: ['core', 'transport'], packages: ['comlink'] },
  nats: { folders: ['core', 'transport'], packages: ['@nats-io/nats-core'] },
  jetstream: { folders: ['core', 'transport', 'nats/internal.ts'], packages: ['@nats-io/jetstream', '@nats-io/nats-core'] },
  // TODO(issue 14, point 3): the outbox relay borrows the retry helpers of middleware/ (exponentialBackoff,
  // isRetryablePublishError). When the one retry triple (maxAttempts / backoff / isRetryable) moves into core,
  // import it from there and drop these two files from the list.
  outbox: { folders: ['core', 'transport', 'middleware/backoff.ts', 'middleware/retry-publish.ts'], packages: ['idb-keyval'] },
  postgres: { folders: ['core', 'transport'], packages: ['postgres'] },
  http: { folders: ['core', 'transport'], packages: [] },
  // Composition: core + each other, never a transport.
  middleware: { folders: ['core', ...COMPOSITION], packages: [] },
  pipe: { folders: ['core', ...COMPOSITION], packages: [] },
  stream: { folders: ['core', ...COMPOSITION], packages: [] },
  topic: { folders: ['core', ...COMPOSITION], packages: [] },
  otel: { folders: ['core', ...COMPOSITION], packages: ['@opentelemetry/api'] },
  presence: { folders: ['core', 'transport'], packages: [] },
  inspector: { folders: ['core', 'transport'], packages: [] },
  inbox: { folders: ['core', ...COMPOSITION], packages: [] },
  // The test kit: the fake tabs and NATS clients are kit buses (a fake is a transport: one small driver), the
  // fake outbox is the real outbox; the Playwright fixture builds on the test kit. The fake
  // JetStream takes the real one's retry options and writes its dead letters through jetstream's two wire-free
  // files (no NATS client), so the fake cannot drift from the real names, reasons and headers.
  testing: { folders: ['core', 'transport', 'outbox', 'jetstream/retry-options.ts', 'jetstream/dead-letter-fields.ts'], packages: [] },
  playwright: { folders: ['core', 'testing'], packages: ['playwright'] },
  versioning: { folders: ['core', ...COMPOSITION], packages: [] },
  // The root entry: the contract only.
  'index.ts': { folders: ['core'], packages: [] },
};

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** `src/nats/wire.ts` → ['nats', 'wire.ts']; a file outside src/ → undefined. */
function srcPath(file) {
  const rel = relative(SRC, file);
  if (rel.startsWith('..') || rel === '') return undefined;
  return rel.split(sep);
}

/** The imported file as `folder/file.ts` (`.js` specifiers name the `.ts` source). */
function importedFile(parts) {
  return parts.join('/').replace(/\.js$/, '.ts');
}

/** @type {import('eslint').Rule.RuleModule} */
const boundaries = {
  meta: {
    type: 'problem',
    docs: { description: 'src/ folders import only the layers below them (core, composition, transports)' },
    schema: [],
    messages: {
      folder: "src/{{from}} may not import '{{specifier}}' (src/{{target}}): {{why}}",
      package: "src/{{from}} may not import the package '{{specifier}}': {{why}}",
      unknown: 'src/{{from}} is not in the layer table of scripts/lint-boundaries.mjs: add it there',
    },
  },
  create(context) {
    const parts = srcPath(context.filename);
    if (parts === undefined) return {};
    const from = parts[0];
    const layer = LAYERS[from];
    if (layer === undefined) {
      return { Program: (node) => context.report({ node, messageId: 'unknown', data: { from: parts.join('/') } }) };
    }
    const why = whyFor(from);

    function check(node, specifier) {
      if (typeof specifier !== 'string') return;
      if (specifier.startsWith('.')) {
        const target = srcPath(resolve(dirname(context.filename), specifier));
        const targetFolder = target?.[0];
        if (target !== undefined && targetFolder === from && target.length > 1) return;
        const file = target === undefined ? undefined : importedFile(target);
        if (target !== undefined && (layer.folders.includes(targetFolder) || layer.folders.includes(file))) return;
        context.report({ node, messageId: 'folder', data: { from: parts.join('/'), specifier, target: file ?? '../', why } });
      } else if (!layer.packages.includes(packageName(specifier))) {
        context.report({ node, messageId: 'package', data: { from: parts.join('/'), specifier, why } });
      }
    }

    return {
      ImportDeclaration: (node) => check(node.source, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node.source, node.source.value),
      ExportAllDeclaration: (node) => check(node.source, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node.source, node.source.value),
      TSImportType: (node) => {
        const arg = node.argument?.literal ?? node.argument;
        if (arg?.type === 'Literal') check(arg, arg.value);
      },
    };
  },
};

function whyFor(from) {
  if (from === 'core') return 'core/ is the runtime-neutral contract and imports nothing outside core/';
  if (from === 'index.ts') return 'the root entry exports the contract (core/) only; transports have their own subpath';
  if (COMPOSITION.includes(from)) return 'a composition folder builds on core/ and other composition folders, never on a transport';
  return `a transport imports core/, its own folder and its own client only (allowed: ${[...LAYERS[from].folders, ...LAYERS[from].packages].join(', ')})`;
}

export default { rules: { boundaries } };
