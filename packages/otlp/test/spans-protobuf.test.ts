import { expect } from 'chai';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import http from 'node:http';
import { encodeSpansProtobuf, OTLPTraceExporter, SpanRequestBuilder } from '../src/index.js';

/** Byte for byte: otelkit's span encoder against otlp-transformer's ProtobufTraceSerializer (three providers: two resources, one of them twice). */
function spans(): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const r1 = resourceFromAttributes({ 'service.name': 'a', 'host.name': 'h', 'é': 'ünïcode', n: 3, list: ['x', 'y'] });
  const r2 = resourceFromAttributes({ 'service.name': 'b' });
  const remote = trace.setSpanContext(ROOT_CONTEXT, { traceId: 'aB'.repeat(16), spanId: 'Cd'.repeat(8), traceFlags: TraceFlags.SAMPLED, isRemote: true, traceState: new TraceState('v=1,w=2') });
  for (const resource of [r1, r2, r1]) {
    const provider = new TracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    for (const [name, version, schemaUrl] of [['s1', '1.0.0', 'https://opentelemetry.io/schemas/1.30.0'], ['s2', undefined, undefined]] as const) {
      const tracer = provider.getTracer(name, version, schemaUrl ? { schemaUrl } : undefined);
      for (let i = 0; i < 40; i++) {
        const s = tracer.startSpan(
          i % 3 === 0 ? 'GET /api/items/:id' : `op ${i} ☃`,
          {
            kind: (i % 5) as SpanKind,
            attributes: {
              'http.request.method': 'GET',
              'url.path': `/api/items/${i}`,
              'server.port': 8080,
              'network.peer.port': 40000 + i,
              neg: -i - 1,
              big: 2 ** 40 + i,
              huge: 2 ** 63,
              float: i + 0.25,
              nan: Number.NaN,
              ok: i % 2 === 0,
              arr: [1, 'two', true, [3]],
              bytes: new Uint8Array([0, 1, 255]) as never,
              nested: { a: 1, b: { c: 'd' } } as never,
              long: 'x'.repeat(i === 7 ? 20_000 : 130),
              unicode: 'naïve ✓',
            },
            links: i % 4 === 0 ? [{ context: trace.getSpanContext(remote)!, attributes: { l: i } }] : [],
          },
          i % 2 ? remote : ROOT_CONTEXT,
        );
        if (i % 3 === 0) s.addEvent('evt', { k: 'v', n: i });
        if (i % 6 === 0) s.recordException(new Error(`boom ${i}`));
        if (i % 5 === 0) s.setStatus({ code: SpanStatusCode.ERROR, message: i % 10 === 0 ? 'failed' : undefined });
        s.end();
      }
    }
  }
  return exporter.getFinishedSpans();
}

describe('encodeSpansProtobuf: byte for byte otlp-transformer 0.301', () => {
  it('the same bytes for spans of two resources, four scopes, every attribute value type, events, links, trace state, remote parents and long values', () => {
    const all = spans();
    expect(all.length).to.equal(240);
    const ours = encodeSpansProtobuf(all);
    const upstream = ProtobufTraceSerializer.serializeRequest(all)!;
    expect(ours.length).to.equal(upstream.length);
    expect(Buffer.from(ours).equals(Buffer.from(upstream))).to.equal(true);
  });

  it('the same bytes for ids that are not lowercase hex (upper case, out-of-range letters, beyond ASCII): the nibble table reads them as upstream does', () => {
    const exporter = new InMemorySpanExporter();
    new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }).getTracer('t').startSpan('s').end();
    const real = exporter.getFinishedSpans()[0]!;
    // The SDK never makes such ids; a buggy id generator or a hand-built ReadableSpan can.
    const all = [
      ['AbCdEf0123456789'.repeat(2), 'FEDCBA9876543210'],
      ['zz'.repeat(16), 'gG'.repeat(8)],
      ['é✓'.repeat(8) + 'a'.repeat(16), '\u00ff\u0100'.repeat(4) + 'b'.repeat(8)],
    ].map(([traceId, spanId]) => {
      const span = Object.create(real) as ReadableSpan & { spanContext(): unknown };
      Object.defineProperty(span, 'spanContext', { value: () => ({ traceId, spanId, traceFlags: TraceFlags.SAMPLED }) });
      Object.defineProperty(span, 'parentSpanContext', { value: { traceId, spanId: spanId!.split('').reverse().join(''), traceFlags: 1 } });
      return span as ReadableSpan;
    });
    expect(Buffer.from(encodeSpansProtobuf(all)).equals(Buffer.from(ProtobufTraceSerializer.serializeRequest(all)!))).to.equal(true);
  });

  it('the same bytes again from the reused buffer, for one span and for none', () => {
    const all = spans();
    for (const batch of [all.slice(0, 1), all.slice(5, 9), [], all]) {
      expect(Buffer.from(encodeSpansProtobuf(batch)).equals(Buffer.from(ProtobufTraceSerializer.serializeRequest(batch)!))).to.equal(true);
    }
  });

  it("otelkit's OTLPTraceExporter (http/protobuf) posts exactly those bytes", async () => {
    const bodies: Buffer[] = [];
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        bodies.push(Buffer.concat(chunks));
        res.setHeader('content-type', 'application/x-protobuf');
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const exporter = new OTLPTraceExporter({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}/v1/traces` });
      const batch = spans().slice(0, 50);
      const result = await exporter.exportAsync(batch);
      expect(result.code).to.equal(0);
      expect(bodies).to.have.length(1);
      expect(bodies[0]!.equals(Buffer.from(ProtobufTraceSerializer.serializeRequest(batch)!))).to.equal(true);
      await exporter.shutdown();
    } finally {
      server.close();
    }
  });
});

describe('encodeSpansProtobuf: a KeyValue kept while its value repeats', () => {
  it('the same bytes as upstream when a repeated key changes type, an array or byte value is changed in place, or values alternate', () => {
    const exporter = new InMemorySpanExporter();
    const tracer = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }).getTracer('memo');
    const shared = ['a', 'b'];
    const bytes = new Uint8Array([1, 2, 3]);
    const values: unknown[] = ['x', 'x', 'x', 1, 1, 1.5, 1.5, true, true, false, 'x', 'x', -0, 0, 0, Number.NaN, Number.NaN, 'y', 'x', 'y', 'x', 'z'.repeat(200), 'z'.repeat(200), 'z'.repeat(200)];
    for (let i = 0; i < values.length; i++) {
      // The array and the bytes keep their reference but change between spans (the API copies
      // arrays; a processor or a test may still hand the encoder one that changes).
      shared[0] = `a${i % 3}`;
      bytes[0] = i;
      const span = tracer.startSpan(`s${i}`, { attributes: { v: values[i] as never, stable: 'same', n: 42 } });
      span.end();
      Object.assign((span as unknown as { attributes: Record<string, unknown> }).attributes, { arr: shared, bytes });
      const [ended] = exporter.getFinishedSpans().slice(-1);
      expect(Buffer.from(encodeSpansProtobuf([ended!])).equals(Buffer.from(ProtobufTraceSerializer.serializeRequest([ended!])!)), `span ${i} (${String(values[i])})`).to.equal(true);
    }
  });
});

describe('SpanRequestBuilder: the request built span by span, as the spans end', () => {
  const upstream = (batch: ReadableSpan[]) => Buffer.from(ProtobufTraceSerializer.serializeRequest(batch)!);

  it('the same bytes as upstream for spans appended one by one, resources and scopes interleaved (2 resources, 6 scopes)', () => {
    const all = spans();
    // Interleave the providers' spans, as a server's concurrent requests end them.
    const mixed = all.map((s, i) => ({ s, k: (i % 40) * 10 + Math.floor(i / 40) })).sort((a, b) => a.k - b.k).map((x) => x.s);
    // Three providers (two share a resource) × two tracers: six scope objects in the first six spans.
    expect(new Set(mixed.slice(0, 6).map((s) => s.instrumentationScope))).to.have.length(6);
    const b = new SpanRequestBuilder();
    for (const s of mixed) b.append(s);
    expect(b.count).to.equal(240);
    expect(Buffer.from(b.request()).equals(upstream(mixed))).to.equal(true);
    expect(Buffer.from(b.request()).equals(Buffer.from(encodeSpansProtobuf(mixed)))).to.equal(true);
  });

  it('after reset() it starts empty and reuses pooled buffers without leaking bytes of the last request', () => {
    const all = spans();
    const b1 = new SpanRequestBuilder();
    for (const s of all) b1.append(s);
    b1.request();
    b1.reset();
    expect(b1.count).to.equal(0);
    expect(b1.request().length).to.equal(0);
    for (const batch of [all.slice(0, 1), all.slice(100, 107), all]) {
      // A second builder takes the first one's pooled chunks.
      const b2 = new SpanRequestBuilder();
      for (const s of batch) b2.append(s);
      expect(Buffer.from(b2.request()).equals(upstream(batch))).to.equal(true);
      b2.reset();
    }
  });

  it('a span the encoder cannot read throws and leaves nothing of it: the request holds exactly the other spans', () => {
    const all = spans().slice(0, 5);
    const b = new SpanRequestBuilder();
    b.append(all[0]!);
    b.append(all[1]!);
    const broken = Object.create(all[2]!, { attributes: { value: { ok: 1, get bad() { throw new Error('unreadable'); } } } }) as ReadableSpan;
    expect(() => b.append(broken)).to.throw('unreadable');
    b.append(all[3]!);
    expect(b.count).to.equal(3);
    expect(Buffer.from(b.request()).equals(upstream([all[0]!, all[1]!, all[3]!]))).to.equal(true);
  });
});
