import { expect } from 'chai';
import { context, diag, DiagLogLevel, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { hrTimeDuration, hrTimeToMilliseconds, TraceState } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import {
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
  type IdGenerator,
  type ReadableSpan,
  type SpanLimits,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import { encodeSpansProtobuf } from '@otelkit/otlp';
import { LeanSpan } from '../src/lean-span.js';
import { wallTimeAt } from '../src/span-clock.js';
import { LeanTracer, LeanTracerProvider, recognized, type ResolvedTracerOptions } from '../src/lean-tracer.js';
import { spanLimitsFromEnv } from '../src/tracing.js';

/** Deterministic ids, the same sequence for both providers. */
function counterIds(): IdGenerator {
  let n = 0;
  return {
    generateTraceId: () => (++n).toString(16).padStart(32, '0'),
    generateSpanId: () => (++n).toString(16).padStart(16, '0'),
  };
}

/** Every ReadableSpan field. */
function fields(s: ReadableSpan, times = true) {
  return {
    name: s.name,
    kind: s.kind,
    spanContext: { ...s.spanContext(), traceState: s.spanContext().traceState?.serialize() },
    parentSpanContext: s.parentSpanContext && { ...s.parentSpanContext, traceState: s.parentSpanContext.traceState?.serialize() },
    ...(times ? { startTime: s.startTime, endTime: s.endTime, duration: s.duration, events: s.events } : { events: s.events.map((e) => ({ ...e, time: undefined })) }),
    status: s.status,
    attributes: s.attributes,
    links: s.links,
    droppedAttributesCount: s.droppedAttributesCount,
    droppedEventsCount: s.droppedEventsCount,
    droppedLinksCount: s.droppedLinksCount,
    resource: s.resource.attributes,
    instrumentationScope: s.instrumentationScope,
    ended: s.ended,
  };
}

const T0 = 1_700_000_000_000;
const at = (ms: number) => T0 + ms;
const REMOTE: Context = trace.setSpanContext(ROOT_CONTEXT, {
  traceId: 'ab'.repeat(16),
  spanId: 'cd'.repeat(8),
  traceFlags: TraceFlags.SAMPLED,
  isRemote: true,
  traceState: new TraceState('vendor=x'),
});
const LINKED = { traceId: 'ef'.repeat(16), spanId: '12'.repeat(8), traceFlags: TraceFlags.SAMPLED };
const ERR = Object.assign(new TypeError('boom'), { stack: 'TypeError: boom\n    at test' });
const CODED = Object.assign(new Error('no such file'), { code: 'ENOENT', stack: 'Error: no such file\n    at fs' });

/** Every Span operation, with explicit times (so that both providers' outputs are byte-equal). */
function operations(tracer: Tracer): void {
  const s = tracer.startSpan('ops', { kind: SpanKind.CLIENT, startTime: at(0), attributes: { a: 1, arr: ['x', 'y'], u: undefined } }, REMOTE);
  // Primitives, overwrite, arrays (homogeneous, mixed, with nulls), maps, bytes, null, invalid values and keys.
  s.setAttribute('s', 'text').setAttribute('n', 1.5).setAttribute('b', false).setAttribute('s', 'overwritten');
  s.setAttribute('nums', [1, 2, 3]).setAttribute('mixed', [1, 'a', true] as never).setAttribute('holes', ['a', null, 'b'] as never);
  s.setAttribute('map', { k: 'v', inner: { n: 1 }, drop: undefined } as never).setAttribute('bytes', new Uint8Array([1, 2, 3]) as never);
  s.setAttribute('nul', null as never).setAttribute('undef', undefined).setAttribute('fn', (() => 1) as never).setAttribute('sym', Symbol('x') as never);
  s.setAttribute('', 'empty key').setAttribute('date', new Date(0) as never).setAttribute('nan', NaN).setAttribute('long', 'z'.repeat(50));
  s.setAttribute('longs', ['q'.repeat(30), 'r']);
  s.setAttributes({ m1: 'x', m2: 2, m3: { bad: () => 1 } as never });
  // Events: every signature, simple-attribute filtering, the count limit.
  s.addEvent('plain', at(1));
  s.addEvent('with attributes', { e: 1, list: ['a'], map: { no: 1 } as never, long: 'w'.repeat(40) }, at(2));
  s.addEvent('time as second argument', at(3));
  s.addEvent('date', { d: 1 }, new Date(at(4)));
  s.addEvent('hrtime', [1_700_000_000, 5] as never);
  // Links: one by one, several, invalid attributes, the count limit.
  s.addLink({ context: LINKED, attributes: { l: 1, bad: () => 1 } as never });
  s.addLinks([{ context: LINKED }, { context: LINKED, attributes: { k: 'v' } }]);
  // Exceptions per semconv: an Error, a string, a coded error, something unrecordable.
  s.recordException(ERR, at(5));
  s.recordException('as a string', at(6));
  s.recordException(CODED, at(7));
  s.recordException({} as never, at(8));
  // Status: ERROR with a non-string message, then OK (final), then ERROR (ignored), UNSET (ignored).
  s.setStatus({ code: SpanStatusCode.ERROR, message: 42 as never });
  s.setStatus({ code: SpanStatusCode.OK });
  s.setStatus({ code: SpanStatusCode.ERROR, message: 'ignored' });
  s.setStatus({ code: SpanStatusCode.UNSET });
  s.updateName('ops renamed');
  s.end(at(9));
  // After end: every mutation ignored with a warning; end() again is an error.
  s.setAttribute('late', 1).setAttributes({ later: 2 }).addEvent('late').addLink({ context: LINKED }).setStatus({ code: SpanStatusCode.ERROR }).updateName('late');
  s.end(at(10));

  const e = tracer.startSpan('error status then unset', { startTime: new Date(at(11)) }, ROOT_CONTEXT);
  e.setStatus({ code: SpanStatusCode.ERROR, message: 'failed' }).setStatus({ code: SpanStatusCode.UNSET });
  e.end([Math.floor(at(12) / 1000), 123_456_789]);
  const inverted = tracer.startSpan('end before start', { startTime: at(20), links: [{ context: LINKED }, { context: LINKED, attributes: { i: 2 } }] }, ROOT_CONTEXT);
  inverted.end(at(10));
  const child = tracer.startSpan('child', { startTime: [1_700_000_000, 999_999_999] }, trace.setSpan(REMOTE, e));
  child.end([1_700_000_001, 1]);
  // Start attributes: the lean tracer's fast copies and its fallbacks (non-plain objects, undefined values, numeric keys).
  const bare = Object.assign(Object.create(null) as Record<string, unknown>, { p: 1, q: 'two' });
  class Holder {
    own = 'yes';
  }
  tracer.startSpan('null-prototype attributes', { startTime: at(30), attributes: bare as never, links: null as never }, ROOT_CONTEXT).end(at(31));
  tracer.startSpan('class-instance attributes', { startTime: at(30), attributes: new Holder() as never }, ROOT_CONTEXT).end(at(31));
  const starting = tracer.startSpan('undefined and numeric keys', { startTime: at(30), attributes: { b: 1, 2: 'two', u: undefined, 1: true, a: 'x'.repeat(9) } }, ROOT_CONTEXT);
  starting.setAttribute('after', 1).end(at(31));
}

/** The same operations, default times: everything but the times must agree. */
function untimed(tracer: Tracer): Span[] {
  const spans: Span[] = [];
  const s = tracer.startSpan('untimed', { attributes: { a: 'b' } }, ROOT_CONTEXT);
  s.addEvent('e1');
  s.recordException(ERR);
  s.setAttribute('x', 1);
  s.end();
  spans.push(s);
  for (let i = 0; i < 20; i++) {
    const t = tracer.startSpan(`seq ${i}`, {}, ROOT_CONTEXT);
    t.end();
    spans.push(t);
  }
  return spans;
}

interface Run {
  spans: ReadableSpan[];
  diag: string[];
}

function run(provider: TracerProvider, exporter: InMemorySpanExporter, workload: (t: Tracer) => unknown): Run {
  const messages: string[] = [];
  const log = (level: string) => (msg: string, ...args: unknown[]) => messages.push(`${level} ${msg} ${args.map((a) => (a instanceof Error ? a.message : JSON.stringify(a))).join(' ')}`);
  diag.setLogger({ error: log('error'), warn: log('warn'), info: () => {}, debug: () => {}, verbose: () => {} }, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  try {
    workload(provider.getTracer('scope', '1.2.3', { schemaUrl: 'https://opentelemetry.io/schemas/1.30.0' }));
  } finally {
    diag.disable();
  }
  return { spans: exporter.getFinishedSpans(), diag: messages };
}

function both(workload: (t: Tracer) => unknown, spanLimits?: SpanLimits): { sdk: Run; lean: Run } {
  const resource = resourceFromAttributes({ 'service.name': 'lean' });
  const a = new InMemorySpanExporter();
  const b = new InMemorySpanExporter();
  const sdk = new TracerProvider({ resource, spanLimits, idGenerator: counterIds(), spanProcessors: [new SimpleSpanProcessor({ exporter: a })] });
  const lean = new LeanTracerProvider({ resource, spanLimits, idGenerator: counterIds(), spanProcessors: [new SimpleSpanProcessor({ exporter: b })] });
  return { sdk: run(sdk, a, workload), lean: run(lean, b, workload) };
}

describe('LeanSpan: every ReadableSpan field and the exported bytes equal sdk-trace 3.x spans', () => {
  before(() => context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()));
  after(() => {
    context.disable();
    propagation.disable();
  });

  const limitSets: [string, SpanLimits | undefined][] = [
    ['default limits', undefined],
    ['the env defaults (spanLimitsFromEnv)', spanLimitsFromEnv()],
    ['small limits', { attributeCountLimit: 6, attributeValueLengthLimit: 8, eventCountLimit: 3, linkCountLimit: 2, attributePerEventCountLimit: 2, attributePerLinkCountLimit: 1 }],
    ['zero event and link limits', { eventCountLimit: 0, linkCountLimit: 0, attributeCountLimit: 0 }],
    ['an invalid value length limit (ignored with a warning)', { attributeValueLengthLimit: 0 }],
  ];
  for (const [label, limits] of limitSets) {
    it(`every operation, explicit times: ${label}`, () => {
      const { sdk, lean } = both(operations, limits);
      expect(lean.spans.length).to.equal(7);
      expect(lean.spans.every((s) => s instanceof LeanSpan)).to.equal(true);
      expect(sdk.spans.some((s) => s instanceof LeanSpan)).to.equal(false);
      expect(lean.spans.map((s) => fields(s))).to.deep.equal(sdk.spans.map((s) => fields(s)));
      // The same warnings and errors, in the same order (ended-span operations, end() twice, dropped values).
      expect(lean.diag).to.deep.equal(sdk.diag);
      expect(sdk.diag.length).to.be.greaterThan(5);
      // What the exporters write: otelkit's protobuf encoder and otlp-transformer's JSON.
      expect(Buffer.from(encodeSpansProtobuf(lean.spans)).equals(Buffer.from(encodeSpansProtobuf(sdk.spans)))).to.equal(true);
      expect(Buffer.from(JsonTraceSerializer.serializeRequest(lean.spans)!).toString()).to.equal(Buffer.from(JsonTraceSerializer.serializeRequest(sdk.spans)!).toString());
    });
  }

  it('the operations hit what they test: truncation, drops, exceptions, inverted times', () => {
    const { lean } = both(operations, limitSets[2]![1]);
    const [ops, , inverted] = lean.spans as [ReadableSpan, ReadableSpan, ReadableSpan];
    expect(ops.name).to.equal('ops renamed');
    expect(Object.keys(ops.attributes)).to.have.length(6);
    expect(ops.attributes['s']).to.equal('overwrit');
    expect(ops.droppedAttributesCount).to.be.greaterThan(0);
    expect(ops.events.map((e) => e.name)).to.deep.equal(['exception', 'exception', 'exception']);
    expect(ops.events[2]!.attributes).to.deep.equal({ 'exception.type': 'ENOENT', 'exception.message': 'no such ' });
    expect(ops.droppedEventsCount).to.equal(5);
    expect(ops.links).to.have.length(2);
    expect(ops.droppedLinksCount).to.equal(1);
    expect(ops.status).to.deep.equal({ code: SpanStatusCode.OK });
    expect(inverted.duration).to.deep.equal([0, 0]);
    expect(inverted.endTime).to.deep.equal(inverted.startTime);
    const { lean: unlimited } = both(operations);
    const all = unlimited.spans[0]!;
    expect(all.attributes).to.include({ s: 'overwritten', n: 1.5, b: false, long: 'z'.repeat(50) });
    expect(all.attributes['map']).to.deep.equal({ k: 'v', inner: { n: 1 } });
    expect(all.events.find((e) => e.name === 'exception')!.attributes).to.deep.equal({ 'exception.type': 'TypeError', 'exception.message': 'boom', 'exception.stacktrace': ERR.stack });
  });

  it('default times: the same fields; start within the wall clock, monotonic, end = start + duration', () => {
    const before = Date.now();
    const { sdk, lean } = both(untimed);
    const after = Date.now();
    expect(lean.spans.map((s) => fields(s, false))).to.deep.equal(sdk.spans.map((s) => fields(s, false)));
    expect(lean.diag).to.deep.equal(sdk.diag);
    let previous = 0;
    for (const s of lean.spans) {
      const start = hrTimeToMilliseconds(s.startTime);
      // span-clock.ts: within 1 ms of the true wall time, of which Date.now() is the floor; never
      // before the previous span.
      expect(start).to.be.within(before - 1, after + 2);
      expect(start).to.be.at.least(previous);
      previous = start;
      expect(hrTimeDuration(s.startTime, s.endTime)).to.deep.equal(s.duration);
      expect(s.duration[0]).to.equal(0);
      expect(s.duration[1]).to.be.within(0, 1e9 - 1);
      expect(s.startTime[1]).to.be.within(0, 1e9 - 1);
      expect(Number.isInteger(s.startTime[1]) && Number.isInteger(s.endTime[1])).to.equal(true);
      for (const e of s.events) expect(hrTimeToMilliseconds(e.time)).to.be.within(start, hrTimeToMilliseconds(s.endTime));
    }
  });

  it('a performance.now()-based start time maps to the wall clock as the SDK does (within 1 ms)', () => {
    const { sdk, lean } = both((t) => {
      const p = performance.now();
      t.startSpan('perf time', { startTime: p - 5 }, ROOT_CONTEXT).end(p);
    });
    const [a, b] = [sdk.spans[0]!, lean.spans[0]!];
    expect(Math.abs(hrTimeToMilliseconds(a.startTime) - hrTimeToMilliseconds(b.startTime))).to.be.below(3);
    expect(hrTimeToMilliseconds(b.duration)).to.be.closeTo(5, 0.001);
  });

  it('span processors from the app’s own sdk-trace: onStart / onEnding (still mutable) / onEnd, Simple and Batch', async () => {
    const calls: string[] = [];
    const recorder: SpanProcessor = {
      onStart: (span, parent) => {
        calls.push(`start ${(span as unknown as ReadableSpan).name} recording=${span.isRecording()} parent=${trace.getSpanContext(parent)?.spanId ?? '-'}`);
      },
      onEnding: (span) => {
        calls.push(`ending ${span.name} ended=${span.ended}`);
        span.setAttribute('added.in.onEnding', true);
      },
      onEnd: (span) => {
        calls.push(`end ${span.name} ended=${span.ended} recording=${(span as unknown as Span).isRecording()}`);
      },
      forceFlush: async () => {},
      shutdown: async () => {},
    };
    const simple = new InMemorySpanExporter();
    const batched = new InMemorySpanExporter();
    const provider = new LeanTracerProvider({
      idGenerator: counterIds(),
      spanProcessors: [recorder, new SimpleSpanProcessor({ exporter: simple }), new BatchSpanProcessor({ exporter: batched, scheduledDelayMillis: 10 })],
    });
    const tracer = provider.getTracer('app');
    await tracer.startActiveSpan('outer', async (outer) => {
      // A timer may fire early against performance.now() (libuv's loop time is cached in whole
      // milliseconds: a 2 ms timer once ended a span after 1.37 ms in CI), so the span's length
      // is set by the same clock the span reads: at least 2 ms after the await.
      await new Promise((r) => setTimeout(r, 1));
      const since = performance.now();
      while (performance.now() - since < 2);
      tracer.startSpan('inner').end();
      outer.end();
    });
    await provider.forceFlush();
    expect(calls).to.deep.equal([
      'start outer recording=true parent=-',
      `start inner recording=true parent=${simple.getFinishedSpans()[1]!.spanContext().spanId}`,
      'ending inner ended=false',
      'end inner ended=true recording=false',
      'ending outer ended=false',
      'end outer ended=true recording=false',
    ]);
    for (const exporter of [simple, batched]) {
      const spans = exporter.getFinishedSpans();
      expect(spans.map((s) => s.name)).to.deep.equal(['inner', 'outer']);
      expect(spans.every((s) => s instanceof LeanSpan && s.attributes['added.in.onEnding'] === true)).to.equal(true);
      expect(spans[0]!.parentSpanContext?.spanId).to.equal(spans[1]!.spanContext().spanId);
      expect(hrTimeToMilliseconds(spans[1]!.duration)).to.be.at.least(1.999);
    }
    await provider.shutdown();
  });

  it('falls back to sdk-trace’s own tracer when the provider’s private options are not recognized', () => {
    const provider = new LeanTracerProvider({});
    const resolved = (provider as unknown as { _tracerOptions: ResolvedTracerOptions })._tracerOptions;
    expect(recognized(resolved)).to.equal(true);
    expect(recognized(undefined)).to.equal(false);
    for (const field of ['resource', 'sampler', 'spanLimits', 'idGenerator', 'spanProcessor'] as const) {
      expect(recognized({ ...resolved, [field]: undefined }), field).to.equal(false);
    }
    // What getTracer() does then: the SDK's tracer and span.
    (provider as unknown as { _tracerOptions: ResolvedTracerOptions })._tracerOptions = { ...resolved, idGenerator: { generateTraceId: resolved.idGenerator.generateTraceId } as never };
    const tracer = provider.getTracer('fallback');
    expect(tracer).to.not.be.instanceOf(LeanTracer);
  });

  it('util.inspect shows the span’s fields', async () => {
    const { inspect } = await import('node:util');
    const span = new LeanTracerProvider({}).getTracer('x').startSpan('shown', { attributes: { k: 'v' } }, ROOT_CONTEXT);
    const text = inspect(span);
    expect(text).to.include("name: 'shown'").and.include("k: 'v'");
  });
});

describe('span-clock: wall time from performance.now()', () => {
  const ms = (t: [number, number]) => t[0] * 1000 + t[1] / 1e6;
  it('agrees with Date.now() within its millisecond, with sub-millisecond resolution', () => {
    const fractions = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const before = Date.now();
      const t = ms(wallTimeAt(performance.now()));
      const after = Date.now();
      // Within 1 ms of the true time, which is in [Date.now(), Date.now() + 1).
      expect(t).to.be.within(before - 1, after + 2);
      fractions.add(Math.round((t % 1) * 1000));
    }
    expect(fractions.size).to.be.greaterThan(1);
  });

  it('follows a wall-clock step at its next check (at most a second later), and back', () => {
    // Bounds use the time that passed between the readings: this must hold on a loaded machine.
    const realNow = Date.now;
    let stepped: number;
    try {
      Date.now = () => realNow() + 60_000;
      // A reading more than a second after the anchor re-checks it against Date.now() (the
      // reading stands for "now": it is taken just before the call in real use).
      const t0 = performance.now();
      stepped = ms(wallTimeAt(t0 + 1500));
      const real = realNow();
      const elapsed = performance.now() - t0;
      expect(stepped).to.be.within(real + 60_000 - elapsed - 1, real + 60_000 + 1);
      // Until the next check, readings follow the monotonic clock from the new anchor.
      const t1 = performance.now();
      expect(ms(wallTimeAt(t1 + 1600))).to.be.closeTo(stepped + 100 + (t1 - t0), 0.001);
    } finally {
      Date.now = realNow;
    }
    // A reading before the anchor re-checks too: back on the real clock.
    const before = Date.now();
    const t = ms(wallTimeAt(performance.now()));
    const after = Date.now();
    expect(t).to.be.within(before, after + 1);
  });
});
