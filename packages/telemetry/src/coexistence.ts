import { diag } from '@opentelemetry/api';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { findPackageJSON } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Coexistence with other OpenTelemetry setups in the same process (NodeSDK started first, an
 * application's own providers, a second copy of `@opentelemetry/api`).
 *
 * How the API shares state (read from @opentelemetry/api 1.10.0, `src/internal/global-utils.ts`
 * and `src/internal/semver.ts`): every copy of the API keeps its globals in one object,
 * `globalThis[Symbol.for('opentelemetry.js.api.1')]`, created by the first copy that registers
 * anything, with that copy's `version`. A registration (`setGlobalTracerProvider`, …) fails —
 * one `diag.error`, which prints nothing without a diag logger — when the key is taken or when the
 * object's version is not exactly the registering copy's; a read (`trace.getTracerProvider()`, …)
 * returns a no-op unless the object's version has the reader's major and a minor >= the
 * reader's. So a second API copy of another version, or a provider registered before
 * `initTelemetry()`, turns part of otelkit into a silent no-op: this module finds those cases so
 * `initTelemetry()` can say so once and `health()` can report them.
 */

/** What was found already in place; one entry per global or API copy. */
export type CoexistenceKind = 'api-registry' | 'api-copy' | 'tracer-provider' | 'meter-provider' | 'context-manager' | 'propagator';

export interface CoexistenceFinding {
  readonly kind: CoexistenceKind;
  /** What is there, e.g. `a TracerProvider (NodeTracerProvider) is already registered`. */
  readonly found: string;
  /** What otelkit does about it, and what works and what does not. */
  readonly effect: string;
  /** What to change to get rid of the finding. */
  readonly fix: string;
  /**
   * True when part of otelkit is not in effect because of it (health() is then 'degraded'); false
   * for a context manager or propagator otelkit can use as its own (AsyncLocalStorage-based,
   * W3C traceparent), which are reported but change nothing.
   */
  readonly degrades: boolean;
}

/** One copy of `@opentelemetry/api`: its version and package directory (when known). */
export interface ApiCopy {
  readonly version: string;
  readonly path?: string;
}

export interface CoexistenceInput {
  /** `globalThis[Symbol.for('opentelemetry.js.api.1')]`, read before otelkit registers anything. */
  readonly registry: Readonly<Record<string, unknown>> | undefined;
  /** The API copy otelkit (`@otelkit/telemetry`) is linked against. */
  readonly own: ApiCopy | undefined;
  /** The API copy the application resolves (from its entry script), when it has one. */
  readonly app: ApiCopy | undefined;
}

/** The globals otelkit may register, and therefore release at shutdown. */
export interface GlobalOwnership {
  readonly metrics: boolean;
  readonly trace: boolean;
  readonly context: boolean;
  readonly propagation: boolean;
}

export interface CoexistenceReport {
  readonly findings: readonly CoexistenceFinding[];
  readonly owns: GlobalOwnership;
}

export const API_REGISTRY_KEY = Symbol.for('opentelemetry.js.api.1');
export const COEXISTENCE_WARNING_CODE = 'OTELKIT_COEXISTENCE';

const SINGLE_API =
  'install one @opentelemetry/api for the whole application, in the range otelkit declares as peerDependency: `npm ls @opentelemetry/api` must list one version (then `npm dedupe`, or pin it in the app\'s dependencies)';

const versionRe = /^(\d+)\.(\d+)\.(\d+)(-.+)?$/;

/**
 * The API's own rule (`semver.ts` `isCompatible`): a reader of version `reader` uses globals
 * registered by version `registered` when the majors match and the registered minor is not older
 * (for 0.x: same minor, patch not older); prereleases only on an exact match.
 */
export function apiCanRead(reader: string, registered: string): boolean {
  if (reader === registered) return true;
  const r = versionRe.exec(reader);
  const g = versionRe.exec(registered);
  if (r === null || g === null || r[4] !== undefined || g[4] !== undefined) return false;
  if (r[1] !== g[1]) return false;
  if (r[1] === '0') return r[2] === g[2] && Number(r[3]) <= Number(g[3]);
  return Number(r[2]) <= Number(g[2]);
}

const nameOf = (o: unknown): string => {
  const n = (o as { constructor?: { name?: unknown } } | null | undefined)?.constructor?.name;
  // Bundled builds rename classes (`var TracerProvider$1 = class …` in sdk-trace 3.1 dist).
  return typeof n === 'string' && n !== '' && n !== 'Object' ? n.replace(/\$\d+$/, '') : 'an object';
};

/** The API registers a ProxyTracerProvider; the provider the app gave it is its delegate. */
function tracerProviderName(proxy: unknown): string {
  const getDelegate = (proxy as { getDelegate?: () => unknown } | null)?.getDelegate;
  return nameOf(typeof getDelegate === 'function' ? getDelegate.call(proxy) : proxy);
}

function propagatorFields(p: unknown): string[] {
  const fields = (p as { fields?: () => unknown } | null)?.fields;
  try {
    const list: unknown = typeof fields === 'function' ? fields.call(p) : undefined;
    return Array.isArray(list) ? list.map(String) : [];
  } catch {
    return [];
  }
}

function propagatorName(p: unknown): string {
  const list = propagatorFields(p);
  return list.length > 0 ? `${nameOf(p)}: ${list.join(', ')}` : nameOf(p);
}

/**
 * Pure: what is already in place, and which globals otelkit can register. Never throws.
 */
export function detectCoexistence(input: CoexistenceInput): CoexistenceReport {
  const { registry, own, app } = input;
  const findings: CoexistenceFinding[] = [];
  const registryVersion = typeof registry?.version === 'string' ? registry.version : undefined;
  // The API refuses any registration into an object of another version (registerGlobal).
  const canRegister = registry === undefined || own === undefined || registryVersion === own.version;
  if (!canRegister) {
    findings.push({
      kind: 'api-registry',
      found: `the OpenTelemetry API globals were created by @opentelemetry/api ${registryVersion ?? '(no version)'}; otelkit is linked against ${own!.version}${own!.path ? ` (${own!.path})` : ''}`,
      effect:
        'the API refuses registrations from another version: otelkit registers no global MeterProvider, TracerProvider, context manager or propagator; the application\'s own API calls do not reach otelkit (its metrics.getMeter() instruments are missing from /metrics, no active span, no exemplars); instruments from tel.meter() are still exported',
      fix: SINGLE_API,
      degrades: true,
    });
  }
  if (app !== undefined && own !== undefined && app.version !== own.version) {
    // Two copies of one version share the globals exactly (same version string); only a
    // different version can make one side a no-op, so equal versions at two paths are no finding.
    const readsOtelkit = apiCanRead(app.version, own.version);
    findings.push({
      kind: 'api-copy',
      found: `the application resolves @opentelemetry/api ${app.version}${app.path ? ` (${app.path})` : ''}, not the copy otelkit is linked against: ${own.version}${own.path ? ` (${own.path})` : ''}`,
      effect: readsOtelkit
        ? 'it works only as long as otelkit registers first: anything the application registers through its copy before initTelemetry() (diag.setLogger, a provider) makes the API refuse otelkit\'s registrations'
        : `@opentelemetry/api ${app.version} ignores globals registered by ${own.version}: the application's metrics.getMeter() instruments are no-ops (missing from /metrics), trace.getActiveSpan() is undefined, instrumentations loaded through the application's copy produce nothing`,
      fix: SINGLE_API,
      degrades: true,
    });
  }
  const taken = (key: string): boolean => registry !== undefined && registry[key] !== undefined && registry[key] !== null;
  if (taken('trace')) {
    findings.push({
      kind: 'tracer-provider',
      found: `a TracerProvider (${tracerProviderName(registry!.trace)}) is already registered`,
      effect:
        'it keeps owning traces: spans of trace.getTracer() and of the instrumentations passed to initTelemetry() go to it and its exporters, and exemplars carry their ids; otelkit\'s trace exporters only get spans from tel.tracer()',
      fix: 'intended split (the other SDK owns traces, otelkit owns metrics): nothing to change — see the README, "Coexisting with NodeSDK"; for otelkit to own traces, do not register another TracerProvider (NodeSDK: do not start it, or start otelkit alone)',
      degrades: true,
    });
  }
  if (taken('metrics')) {
    findings.push({
      kind: 'meter-provider',
      found: `a MeterProvider (${nameOf(registry!.metrics)}) is already registered`,
      effect:
        'otelkit cannot become the global MeterProvider: metrics.getMeter() instruments (the application\'s, and those of instrumentations not passed to initTelemetry()) go to the existing provider, not to otelkit\'s /metrics or OTLP export; instruments from tel.meter() and instrumentations passed to initTelemetry() are exported by otelkit',
      fix: 'let one SDK own metrics: configure the other one without metric readers (NodeSDK: no metricReader/metricReaders option and OTEL_METRICS_EXPORTER=none), or call initTelemetry() first',
      degrades: true,
    });
  }
  if (taken('context')) {
    const name = nameOf(registry!.context);
    findings.push({
      kind: 'context-manager',
      found: `a context manager (${name}) is already registered`,
      effect: 'otelkit uses it (active spans and exemplars depend on it) and leaves it registered at shutdown',
      fix: 'nothing to change when it is an AsyncLocalStorageContextManager (NodeSDK\'s); otherwise register none before initTelemetry() and otelkit registers one',
      // The async-hooks managers follow async calls as otelkit's own would; any other one may
      // lose the active span across an await, and with it the exemplars.
      degrades: !/^AsyncLocalStorageContextManager$|^AsyncHooksContextManager$/.test(name),
    });
  }
  if (taken('propagation')) {
    const w3c = propagatorFields(registry!.propagation).includes('traceparent');
    findings.push({
      kind: 'propagator',
      found: `a propagator (${propagatorName(registry!.propagation)}) is already registered`,
      effect: 'otelkit uses it to read and write trace context on requests and leaves it registered at shutdown',
      fix: 'nothing to change when it handles W3C traceparent; otherwise register none before initTelemetry() and otelkit registers the W3C trace-context and baggage propagators',
      // Without traceparent, incoming requests start new traces instead of continuing theirs.
      degrades: !w3c,
    });
  }
  return {
    findings,
    owns: {
      metrics: canRegister && !taken('metrics'),
      trace: canRegister && !taken('trace'),
      context: canRegister && !taken('context'),
      propagation: canRegister && !taken('propagation'),
    },
  };
}

/** The one startup warning: every finding with its effect and fix. */
export function formatCoexistenceWarning(findings: readonly CoexistenceFinding[]): string {
  const lines = findings.map((f) => `  - ${f.kind}: ${f.found}. Effect: ${f.effect}. Fix: ${f.fix}.`);
  const status = findings.some((f) => f.degrades) ? "health() is 'degraded'" : 'nothing otelkit does is affected';
  return `otelkit: initTelemetry() found another OpenTelemetry setup in this process (health().coexistence lists it; ${status}):\n${lines.join('\n')}`;
}

/**
 * The API copy `from` resolves (a file path or URL). `@opentelemetry/api` 1.10 does not export
 * `./package.json`; `findPackageJSON` (Node ≥ 22.14) finds the package.json of the copy a bare
 * specifier resolves to from `from`, as `require`/`import` would: ~0.2 ms, against ~2 ms for a
 * `createRequire().resolve` and a walk up to the package directory (measured on the startup path).
 */
export function resolveApiCopy(from: string): ApiCopy | undefined {
  try {
    const pj = findPackageJSON('@opentelemetry/api', from.startsWith('file:') ? from : pathToFileURL(from).href);
    if (pj === undefined) return undefined;
    const { name, version } = JSON.parse(readFileSync(pj, 'utf8')) as { name?: unknown; version?: unknown };
    return name === '@opentelemetry/api' && typeof version === 'string' ? { version, path: realpathSync(dirname(pj)) } : undefined;
  } catch {
    return undefined;
  }
}

/** Where the application resolves its packages from: its entry script, else the working directory. */
function appAnchor(): string {
  const main = process.argv[1];
  if (main !== undefined && main !== '' && existsSync(main)) return resolve(main);
  return join(process.cwd(), 'package.json');
}

/**
 * Reads the API globals and both API copies, and when anything is found emits ONE warning:
 * `process.emitWarning` (on stderr without any diag logger, code `OTELKIT_COEXISTENCE`) and the
 * same text through `diag.warn`. Called by initTelemetry() before it registers anything.
 */
export function inspectCoexistence(): CoexistenceReport {
  const registry = (globalThis as unknown as Record<symbol, Record<string, unknown> | undefined>)[API_REGISTRY_KEY];
  const report = detectCoexistence({ registry, own: resolveApiCopy(import.meta.url), app: resolveApiCopy(appAnchor()) });
  if (report.findings.length > 0) {
    const text = formatCoexistenceWarning(report.findings);
    process.emitWarning(text, { type: 'OtelkitWarning', code: COEXISTENCE_WARNING_CODE });
    diag.warn(text);
  }
  return report;
}
