// Builds the runtime bundle of one public package (run from the package's directory, after
// `tsc -b`, by its `build` script): every entry of package.json `exports` whose `default` is
// `./dist/bundle/<name>.js` is bundled from tsc's `./dist/<name>.js` into that file, with shared
// code in chunks. Types stay tsc's `.d.ts`, naming the real packages.
//
// Why: whole-process startup is mostly module loading (resolution, read, compile and link per
// file: bench/NOTES.md, "Whole-process startup"); one file per entry loads as one.
//
// What goes in (docs/BUNDLING.md has the decision): the package's own modules always; a
// dependency only when it is listed in PRIVATE_COPIES below. Everything else stays an import of
// the real package: @opentelemetry/api (peer dependency: one global registry per process), the
// other @otelkit packages (one instance each, so their classes and errors keep one identity),
// @opentelemetry/instrumentation and its require/import-in-the-middle (hooks installed once, by
// the application's copy, and loaded only when instrumentations are passed).
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Dependencies a package's bundle may carry a private copy of. Each crosses into application code
 * only through interfaces (Resource, Sampler, SpanProcessor, SpanExporter, ContextManager,
 * ReadableSpan) or through keys the API makes process-wide (`createContextKey` is `Symbol.for`),
 * never through `instanceof` or module state the application sets (docs/BUNDLING.md lists the
 * exceptions and tests them: packages/telemetry/test/bundle-identity.test.ts).
 */
const PRIVATE_COPIES = {
  '@otelkit/telemetry': [
    '@opentelemetry/core',
    '@opentelemetry/resources',
    '@opentelemetry/semantic-conventions',
    '@opentelemetry/sdk-trace',
    '@opentelemetry/context-async-hooks',
    '@opentelemetry/instrumentation-runtime-node',
    '@opentelemetry/instrumentation-host-metrics',
  ],
  // MetricProducer's fallback `defaultResource()` (when no Resource is passed): a private copy
  // keeps the real @opentelemetry/resources (and core, semantic-conventions) off the load path of
  // every process that imports @otelkit/metrics.
  '@otelkit/metrics': ['@opentelemetry/resources', '@opentelemetry/core', '@opentelemetry/semantic-conventions'],
};

/**
 * Inside a bundle the two default runtime instrumentations get an InstrumentationBase that
 * installs no hooks (no-hooks-instrumentation.mjs); nothing else may import
 * @opentelemetry/instrumentation statically from a bundle.
 */
const HOOKLESS_IMPORTERS = /node_modules[\\/]@opentelemetry[\\/]instrumentation-(runtime-node|host-metrics)[\\/]/;

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const privateCopies = new Set(PRIVATE_COPIES[pkg.name] ?? []);
const entryPoints = {};
for (const target of Object.values(pkg.exports ?? {})) {
  // `default: ./dist/bundle/<name>.js` is built from the file tsc wrote next to `types`.
  const m = /^\.\/dist\/bundle\/(.+)\.js$/.exec(typeof target === 'object' ? (target.default ?? '') : '');
  if (m !== null) entryPoints[m[1]] = target.types.replace(/\.d\.ts$/, '.js');
}
if (Object.keys(entryPoints).length === 0) throw new Error(`${pkg.name}: no export points at ./dist/bundle/*.js`);

// Chunk names carry content hashes: files of an earlier build must not linger (and be packed).
rmSync('dist/bundle', { recursive: true, force: true });

/**
 * Getter exports bundled code imports by name, read once when the module loads (as the facade
 * would): a build error ("No matching export in builtin:…") says when one is missing here.
 */
const GETTER_EXPORTS = { fs: ['promises'], async_hooks: ['AsyncLocalStorage'] };

/** The source of the `builtin` namespace module for `name` (see the plugin). */
function builtinModule(name) {
  const m = process.getBuiltinModule(`node:${name}`);
  const getters = GETTER_EXPORTS[name] ?? [];
  const names = Object.keys(Object.getOwnPropertyDescriptors(m)).filter(
    (k) => /^[A-Za-z_$][\w$]*$/.test(k) && k !== 'default' && (Object.getOwnPropertyDescriptor(m, k).get === undefined || getters.includes(k)),
  );
  // Each export a pure call, so that the bundler drops the ones no bundled module imports.
  return `const m = process.getBuiltinModule(${JSON.stringify(`node:${name}`)});\nexport default m;\n${names.map((k) => `export const ${k} = /* @__PURE__ */ (() => m.${k})();`).join('\n')}\n`;
}

const packageOf = (specifier) => (specifier.startsWith('@') ? specifier.split('/').slice(0, 2) : specifier.split('/').slice(0, 1)).join('/');

const result = await build({
  entryPoints,
  outdir: 'dist/bundle',
  bundle: true,
  // Chunks only where a package has several entries (otlp: . and ./options): one file each otherwise.
  splitting: Object.keys(entryPoints).length > 1,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  // Readable stack traces and diag messages: no minification, names as written, and esbuild's
  // `// ../src/<file>.ts` comment above each module's code. No source map: the packages ship none
  // (test/consumer checks the tarballs), and the frames of an unminified bundle already say which
  // function and which source file. Not `keepNames`: its `__name()` call per function and class
  // cost ~4 ms of every process start (telemetry's bundle: 18.9 vs 14.6 ms to import); esbuild
  // renames only a declaration whose name two bundled modules share (a `describe2` in a frame),
  // and classes must never be renamed (`constructor.name`, error names): checked below.
  keepNames: false,
  sourcemap: false,
  legalComments: 'eof',
  metafile: true,
  logLevel: 'warning',
  // Dual packages: the ESM build, as `import` would load it.
  conditions: ['import'],
  mainFields: ['module', 'main'],
  plugins: [
    {
      name: 'otelkit-externals',
      setup(b) {
        b.onResolve({ filter: /^@opentelemetry\/instrumentation$/ }, (args) =>
          HOOKLESS_IMPORTERS.test(args.importer) ? { path: join(here, 'no-hooks-instrumentation.mjs') } : { path: args.path, external: true },
        );
        b.onResolve({ filter: /^systeminformation\/lib\/network\.js$/ }, (args) =>
          HOOKLESS_IMPORTERS.test(args.importer) ? { path: join(here, 'lazy-network-stats.mjs') } : undefined,
        );
        // Node builtins through `process.getBuiltinModule()` (Node ≥ 22.3): `import … from
        // 'node:x'` builds the builtin's ES module facade, which reads every export, lazy getters
        // included — node:crypto's facade loads WebCrypto, node:util's parseArgs and diff,
        // node:fs's streams (~3 ms of startup that prom-client, a CommonJS package, never pays).
        // The replacement exports the builtin's plain data properties; a getter export stays
        // unexported, so code importing one fails the build instead of reading a stale value.
        b.onResolve({ filter: /^[a-z_]/ }, (args) => (isBuiltin(args.path) && !args.path.includes('/') ? { path: args.path.replace(/^node:/, ''), namespace: 'builtin' } : undefined));
        b.onResolve({ filter: /^node:/ }, (args) => ({ path: args.path.slice(5), namespace: 'builtin' }));
        b.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({ contents: builtinModule(args.path), loader: 'js' }));
        b.onResolve({ filter: /^[^./#]/ }, (args) => {
          if (privateCopies.has(packageOf(args.path))) return undefined;
          return { path: args.path, external: true };
        });
      },
    },
  ],
});

// No class renamed by the bundler (esbuild suffixes a name two bundled modules share).
for (const out of Object.keys(result.metafile.outputs)) {
  const code = readFileSync(out, 'utf8');
  const declared = new Set([...code.matchAll(/^(?:var (\w+) = class\b|class (\w+)\b)/gm)].map((m) => m[1] ?? m[2]));
  for (const name of declared) {
    const m = /^(\w+?)\d+$/.exec(name);
    if (m !== null && declared.has(m[1])) throw new Error(`${out}: class ${m[1]} renamed to ${name} (two bundled modules declare it)`);
  }
}

// A bundle must never carry the hook machinery or a second API (one registry per process).
const forbidden = /node_modules\/(@opentelemetry\/api|@opentelemetry\/instrumentation|require-in-the-middle|import-in-the-middle)\//;
for (const [out, { inputs }] of Object.entries(result.metafile.outputs)) {
  for (const input of Object.keys(inputs)) if (forbidden.test(input)) throw new Error(`${out} bundles ${input}`);
}
