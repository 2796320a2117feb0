import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/**
 * Loads a module on first use, synchronously, as the same instance `import` gives: the entry
 * `import.meta.resolve` finds (the `import` condition: the ESM build of a dual package, never its
 * CommonJS copy, so classes and `instanceof` agree with every `import` of it) loaded through
 * `require(esm)` (Node ≥ 22.12; the project's floor is 22.15), which shares the ESM loader's cache.
 *
 * Why: initTelemetry() is synchronous, and loading every part at startup whatever the
 * configuration used cost ~50 ms of each process start (OTLP, sdk-metrics for the console
 * exporter, the snapshot code: bench/NOTES.md, startup). Parts the configuration uses are
 * loaded when initTelemetry() builds them; the others never.
 */
export function importSync<T>(specifier: string): T {
  return require(entryOf(specifier)) as T;
}

/**
 * The file `import` would load. Where this module was itself compiled to CommonJS (a TypeScript
 * test runner loading sources through `require`), `import.meta.resolve` is missing; every module
 * there is loaded through `require` anyway, so `require.resolve` picks the copy they all use.
 */
const entryOf: (specifier: string) => string =
  typeof import.meta.resolve === 'function' ? (specifier) => fileURLToPath(import.meta.resolve(specifier)) : (specifier) => require.resolve(specifier);
