import { trace, TraceFlags, type Context, type ContextManager, type SpanContext } from '@opentelemetry/api';
import type { ExemplarFilter } from './types.js';

const NO_SPAN: SpanContext = Object.freeze({ traceId: '', spanId: '', traceFlags: 0 });

/**
 * The registry where `@opentelemetry/api` 1.x keeps its globals (the cross-version contract of
 * the API: `Symbol.for('opentelemetry.js.api.1')`). Reading the context manager from it directly
 * halves the cost of finding the active span on the record path: `context.active()` re-resolves
 * the global and checks versions on every call (~50 ns vs ~28 ns measured on Node 20, which was
 * the difference between 0.27x and 0.2x prom-client for a counter add with exemplars on).
 */
const API_GLOBAL = Symbol.for('opentelemetry.js.api.1');

interface ApiRegistry {
  context?: ContextManager;
}

type GlobalWithRegistry = Record<symbol, ApiRegistry | undefined>;

/**
 * The API's registry object, once it exists. Even reading `globalThis[API_GLOBAL]` cost ~14 ns
 * per record (a keyed load on the global object, measured on Node 24): most of what the default
 * `trace_based` filter cost when no span can exist (17.4 ns against 3.3 ns with exemplars off,
 * bench/tools/exemplar-filter.mjs). The API creates the object once, on its first registration,
 * and never replaces it (`registerGlobal` assigns `_global[key] ?? { version }`, `unregisterGlobal`
 * deletes a property of it), so it is read once and kept; until it exists, {@link watchRegistry}
 * learns of its creation. With it held, "no span can exist" is one property load: no context
 * manager registered means every active context is ROOT_CONTEXT, which has no span.
 *
 * A context manager without any TracerProvider still counts: a span can be in the context without
 * one (a propagator's extracted remote parent, `trace.setSpanContext`), and the spec's
 * `trace_based` filter samples measurements made in a sampled parent's context.
 */
let registry: ApiRegistry | undefined;

/**
 * Until the API makes its registry, `globalThis[API_GLOBAL]` is an accessor that reads
 * `undefined` (as the missing property did) and, on the API's first assignment, turns into the
 * plain data property that assignment would have made and hands us the object. Copies of this
 * module (two installs, a bundle) chain: each calls the setter it replaced.
 *
 * Deviation: the only place otelkit touches the API's global other than through the API. The
 * alternative, reading the global on every record, is what cost the 14 ns.
 */
function watchRegistry(): void {
  const g = globalThis as unknown as GlobalWithRegistry;
  const existing = g[API_GLOBAL];
  if (existing !== undefined) {
    registry = existing;
    return;
  }
  const previous = Object.getOwnPropertyDescriptor(globalThis, API_GLOBAL);
  // A data property holding undefined, or a non-configurable one: leave it, check on refresh.
  if (previous !== undefined && (previous.set === undefined || previous.configurable !== true)) return;
  try {
    Object.defineProperty(globalThis, API_GLOBAL, {
      configurable: true,
      enumerable: false,
      get: () => undefined,
      set(value: ApiRegistry | undefined) {
        if (previous?.set !== undefined) previous.set.call(globalThis, value);
        Object.defineProperty(globalThis, API_GLOBAL, { value, writable: true, enumerable: true, configurable: true });
        registry = value;
      },
    });
  } catch {
    // A frozen global object: refreshApiRegistry() (every collection) finds the registry.
  }
}

watchRegistry();

/**
 * Re-reads the API's registry from the global. The record path trusts the cached object; this
 * catches what the API itself never does — code deleting or replacing the global (test suites
 * resetting the API) — and runs on every collection, so such a reset is seen within one export
 * interval or scrape.
 */
export function refreshApiRegistry(): void {
  const current = (globalThis as unknown as GlobalWithRegistry)[API_GLOBAL];
  if (current !== registry) {
    if (current === undefined) {
      registry = undefined;
      watchRegistry();
    } else {
      registry = current;
    }
  }
}

/**
 * The span context an exemplar should carry for a measurement made now — in `explicit`, the
 * context a caller passed with the measurement (`histogram.record(v, attrs, ctx)`), else in the
 * active context — or undefined when the filter says "no exemplar". Validity of the ids is
 * checked when exemplars are read (exemplar-reservoir.ts, span-ids.ts), not here: the record
 * path only reads the context's span and its sampled flag.
 * https://opentelemetry.io/docs/specs/otel/metrics/sdk/#exemplarfilter
 */
export function traceBasedContext(explicit?: Context): SpanContext | undefined {
  let ctx = explicit;
  if (ctx === undefined) {
    // No registry or no context manager: the active context is ROOT_CONTEXT, with no span.
    const manager = registry?.context;
    if (manager === undefined) return undefined;
    ctx = manager.active();
  }
  // Contexts are immutable: the same context holds the same span. Records of one request mostly
  // run in one context, so its answer is kept for the next record (one context at a time).
  return ctx === lastContext ? lastSampled : sampledSpanContextOf(ctx);
}

/**
 * The miss path of {@link traceBasedContext}, once per new context (a new span every 10 records
 * in bench/tools/exemplar-realistic.mjs): its own function, so that the hit path inlined into
 * every record method stays small (a call site reached on a tenth of the calls is below
 * TurboFan's default minimum frequency for inlining, 0.15). With the reservoir's skip-ahead
 * draw it took the in-span exemplar part in that shape from ~1.32× to ~1.17× of exemplars off
 * (Node 24, bench/NOTES.md); the lookup was most of the cost, ~1 µs per new span there.
 */
function sampledSpanContextOf(ctx: Context): SpanContext | undefined {
  const span = trace.getSpan(ctx);
  const sc = span === undefined ? undefined : span.spanContext();
  lastContext = ctx;
  lastSampled = sc !== undefined && (sc.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED ? sc : undefined;
  return lastSampled;
}

/** The last context {@link traceBasedContext} looked at, and its answer. */
let lastContext: Context | undefined;
let lastSampled: SpanContext | undefined;

/** always_on: every measurement is offered; inside a span it carries the span's ids. */
export function alwaysOnContext(explicit?: Context): SpanContext {
  let ctx = explicit;
  if (ctx === undefined) {
    const manager = registry?.context;
    if (manager === undefined) return NO_SPAN;
    ctx = manager.active();
  }
  const span = trace.getSpan(ctx);
  return span === undefined ? NO_SPAN : span.spanContext();
}

/**
 * The exemplar filter of a store: the span context a measurement's exemplar carries, or
 * undefined for none. `explicit` is the context passed with the measurement, if any (the API's
 * third argument); otherwise the active context counts.
 */
export type ExemplarSampler = (explicit?: Context) => SpanContext | undefined;

export function samplerFor(filter: ExemplarFilter): ExemplarSampler | undefined {
  switch (filter) {
    case 'always_off':
      return undefined;
    case 'always_on':
      return alwaysOnContext;
    default:
      return traceBasedContext;
  }
}
