/*
 * Run in a fresh process by test/regression/exemplar-filter-late-registration.test.ts: the exemplar
 * filter caches the API's global registry, so what matters is what exists when otelkit loads.
 * argv[2]: 'nothing-before' (otelkit loads before the API registry exists), 'registry-before'
 * (another global already registered), 'reset' (the registry is deleted and made again), 'two-copies'
 * (a second copy of the filter module installed its own watcher).
 * Prints one JSON object: what each step saw.
 */
import { context, diag, DiagLogLevel, metrics, trace, TraceFlags, type Context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';

const KEY = Symbol.for('opentelemetry.js.api.1');
const mode = process.argv[2];
if (mode === 'registry-before') diag.setLogger({ error() {}, warn() {}, info() {}, debug() {}, verbose() {} }, DiagLogLevel.ERROR);

const { MeterProvider, sumExemplars } = await import('../../src/index.js');
type Filter = typeof import('../../src/exemplar-filter.js');
const second: Filter | undefined = mode === 'two-copies' ? ((await import('../../src/exemplar-filter.js?copy=2' as string)) as Filter) : undefined;

const provider = new MeterProvider({ exemplarFilter: 'trace_based' });
const counter = provider.getMeter('t').createCounter('c');
let n = 0;
const sampled = (): Context =>
  trace.setSpan(ROOT(), trace.wrapSpanContext({ traceId: (++n).toString(16).padStart(32, '0'), spanId: n.toString(16).padStart(16, '0'), traceFlags: TraceFlags.SAMPLED }));
const ROOT = (): Context => context.active();

/** Records inside a sampled span; returns the exemplar's trace id (or null), then ends the cycle. */
function step(): string | null {
  const cell = counter.bind({ step: n + 1 }) as unknown as Parameters<typeof sumExemplars>[0];
  context.with(sampled(), () => cell.add(1));
  const ex = sumExemplars(cell);
  return ex === undefined ? null : ex[0]!.traceId;
}

const out: Record<string, unknown> = {};
out.registryAtLoad = (globalThis as Record<symbol, unknown>)[KEY] !== undefined;
out.noManager = step();
metrics.setGlobalMeterProvider(provider);
out.registryMade = typeof (globalThis as Record<symbol, unknown>)[KEY] === 'object';
out.descriptor = Object.getOwnPropertyDescriptor(globalThis, KEY)?.writable === true;
out.meterProviderOnly = step();
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
out.managerLater = step();
out.distinctCopy = second === undefined ? undefined : second.traceBasedContext !== ((await import('../../src/exemplar-filter.js')) as Filter).traceBasedContext;
out.secondCopy = second === undefined ? undefined : context.with(sampled(), () => second.traceBasedContext()?.traceId ?? null);
if (mode === 'reset') {
  context.disable();
  out.disabled = step();
  delete (globalThis as Record<symbol, unknown>)[KEY];
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  out.afterResetBeforeCollect = step();
  provider.store.collectSync(() => undefined);
  out.afterResetAndCollect = step();
}
out.expectedLast = (n).toString(16).padStart(32, '0');
process.stdout.write(JSON.stringify(out));
