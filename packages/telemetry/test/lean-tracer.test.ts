import { expect } from 'chai';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags, type Context, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { suppressTracing, TraceState } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  InMemorySpanExporter,
  ParentBasedSampler,
  SamplingDecision,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type IdGenerator,
  type ReadableSpan,
  type Sampler,
  type SpanLimits,
} from '@opentelemetry/sdk-trace';
import { FastIdGenerator } from '../src/fast-id-generator.js';
import { LeanTracer, LeanTracerProvider } from '../src/lean-tracer.js';

/** Deterministic ids, the same sequence for both providers. */
function counterIds(): IdGenerator {
  let n = 0;
  return {
    generateTraceId: () => (++n).toString(16).padStart(32, '0'),
    generateSpanId: () => (++n).toString(16).padStart(16, '0'),
  };
}

/** Everything an exporter reads from a span. */
function exported(s: ReadableSpan) {
  return {
    name: s.name,
    kind: s.kind,
    spanContext: { ...s.spanContext(), traceState: s.spanContext().traceState?.serialize() },
    parentSpanContext: s.parentSpanContext && { ...s.parentSpanContext, traceState: s.parentSpanContext.traceState?.serialize() },
    startTime: s.startTime,
    endTime: s.endTime,
    duration: s.duration,
    status: s.status,
    attributes: s.attributes,
    links: s.links,
    events: s.events,
    droppedAttributesCount: s.droppedAttributesCount,
    droppedEventsCount: s.droppedEventsCount,
    droppedLinksCount: s.droppedLinksCount,
    resource: s.resource.attributes,
    instrumentationScope: s.instrumentationScope,
    ended: s.ended,
  };
}

const T0 = 1_700_000_000_000;
const REMOTE: Context = trace.setSpanContext(ROOT_CONTEXT, {
  traceId: 'ab'.repeat(16),
  spanId: 'cd'.repeat(8),
  traceFlags: TraceFlags.SAMPLED,
  isRemote: true,
  traceState: new TraceState('vendor=x'),
});

/** The same operations through a tracer; ends every span with fixed times. */
const BOOM = new TypeError('boom');

function workload(tracer: Tracer): void {
  const at = (ms: number) => T0 + ms;
  tracer.startSpan('primitives', { kind: SpanKind.SERVER, startTime: at(0), attributes: { 'http.request.method': 'GET', 'server.port': 8080, ok: true, skipped: undefined } }, REMOTE).end(at(5));
  tracer.startSpan('non-primitives', { startTime: at(1), attributes: { list: ['a', 'b'], nested: { a: 1 } as never, n: null as never, '': 'empty key' } }, ROOT_CONTEXT).end(at(6));
  const many: Record<string, number> = {};
  for (let i = 0; i < 140; i++) many[`k${i}`] = i;
  tracer.startSpan('over the count limit', { startTime: at(2), attributes: many }, ROOT_CONTEXT).end(at(7));
  tracer.startSpan('long value', { startTime: at(3), attributes: { long: 'x'.repeat(40), short: 'y' } }, ROOT_CONTEXT).end(at(8));
  tracer.startSpan('links', { startTime: at(3), links: [{ context: trace.getSpanContext(REMOTE)!, attributes: { l: 1, bad: {} as never } }] }, ROOT_CONTEXT).end(at(9));
  tracer.startSpan('root option', { root: true, startTime: at(4) }, REMOTE).end(at(10));
  tracer.startSpan('suppressed', { startTime: at(4) }, suppressTracing(REMOTE)).end(at(10));
  const parent = tracer.startSpan('parent', { startTime: at(5) }, ROOT_CONTEXT);
  const child = tracer.startSpan('child', { startTime: at(6), attributes: { a: 1 } }, trace.setSpan(ROOT_CONTEXT, parent));
  child.setAttribute('late', 'x').setAttributes({ more: 2, bad: {} as never });
  child.addEvent('event', { e: 1 }, at(7));
  child.recordException(BOOM, at(7));
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'failed' });
  child.updateName('child renamed');
  child.end(at(8));
  parent.end(at(9));
  tracer.startActiveSpan('active', { startTime: at(10) }, (s) => {
    tracer.startSpan('inside active', { startTime: at(11) }).end(at(12));
    s.end(at(13));
  });
}

function compare(opts: { sampler?: Sampler; spanLimits?: SpanLimits }): { sdk: ReturnType<typeof exported>[]; lean: ReturnType<typeof exported>[] } {
  const resource = resourceFromAttributes({ 'service.name': 'lean' });
  const a = new InMemorySpanExporter();
  const b = new InMemorySpanExporter();
  const sdk = new TracerProvider({ resource, ...opts, idGenerator: counterIds(), spanProcessors: [new SimpleSpanProcessor({ exporter: a })] });
  const lean = new LeanTracerProvider({ resource, ...opts, idGenerator: counterIds(), spanProcessors: [new SimpleSpanProcessor({ exporter: b })] });
  const leanTracer = lean.getTracer('scope', '1.2.3', { schemaUrl: 'https://opentelemetry.io/schemas/1.30.0' });
  expect(leanTracer).to.be.instanceOf(LeanTracer);
  expect(lean.getTracer('scope', '1.2.3', { schemaUrl: 'https://opentelemetry.io/schemas/1.30.0' })).to.equal(leanTracer);
  workload(sdk.getTracer('scope', '1.2.3', { schemaUrl: 'https://opentelemetry.io/schemas/1.30.0' }));
  workload(leanTracer);
  return { sdk: a.getFinishedSpans().map(exported), lean: b.getFinishedSpans().map(exported) };
}

describe('LeanTracer: the same spans as sdk-trace 3.x, span for span', () => {
  before(() => context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()));
  after(() => {
    context.disable();
    propagation.disable();
  });

  it('default sampler and limits', () => {
    const { sdk, lean } = compare({});
    expect(sdk.length).to.equal(10);
    expect(lean).to.deep.equal(sdk);
  });

  it('a value length limit and a small count limit', () => {
    const { sdk, lean } = compare({ spanLimits: { attributeValueLengthLimit: 10, attributeCountLimit: 3, linkCountLimit: 1, eventCountLimit: 1 } });
    expect(lean).to.deep.equal(sdk);
  });

  it('a sampler that drops some traces and one that adds attributes and trace state', () => {
    for (const sampler of [new TraceIdRatioBasedSampler(0.5), new ParentBasedSampler({ root: new AlwaysOffSampler() })]) {
      const { sdk, lean } = compare({ sampler });
      expect(lean).to.deep.equal(sdk);
    }
    const adding: Sampler = {
      shouldSample: (_c, _t, name) => ({
        decision: name.startsWith('long') ? SamplingDecision.RECORD : SamplingDecision.RECORD_AND_SAMPLED,
        attributes: { 'sampler.added': name },
        traceState: new TraceState('s=1'),
      }),
    };
    const { sdk, lean } = compare({ sampler: adding });
    expect(lean).to.deep.equal(sdk);
    expect(lean[0]!.attributes['sampler.added']).to.equal('primitives');
  });
});

describe('FastIdGenerator', () => {
  it('valid, distinct lowercase hex ids of the right length across pool refills', () => {
    const ids = new FastIdGenerator();
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const t = ids.generateTraceId();
      const s = ids.generateSpanId();
      expect(t).to.match(/^[0-9a-f]{32}$/);
      expect(s).to.match(/^[0-9a-f]{16}$/);
      expect(t).to.not.equal('0'.repeat(32));
      seen.add(t).add(s);
    }
    expect(seen.size).to.equal(4000);
  });
});
