import { expect } from 'chai';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { isTracingSuppressed, W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { MeterProvider, MetricProducer } from '@otelkit/metrics';
import http from 'node:http';
import { HttpInstrumentation } from '../src/index.js';

/** What a handler sees: its span in every callback it gets, and the histogram's exemplar. */
describe('request context and lifecycle', function () {
  this.timeout(20_000);
  const exporter = new InMemorySpanExporter();
  const tracing = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  let meters: MeterProvider;
  let inst: HttpInstrumentation;
  let server: http.Server;
  let url: string;
  let seen: Record<string, string | undefined>;
  let suppressed: boolean | undefined;
  const active = () => trace.getSpan(context.active())?.spanContext().spanId;

  before(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    meters = new MeterProvider({ exemplarFilter: 'trace_based' });
    inst = new HttpInstrumentation({ tracerProvider: tracing, meterProvider: meters, ignoreIncomingRequest: (req) => req.url === '/health' });
    inst.enable();
    server = http.createServer((req, res) => {
      suppressed = isTracingSuppressed(context.active());
      seen = { handler: active() };
      res.on('finish', () => (seen.finish = active()));
      req.on('data', () => (seen.data = active()));
      req.on('end', () => {
        seen.end = active();
        setTimeout(async () => {
          seen.timeout = active();
          await Promise.resolve();
          seen.await = active();
          res.end('ok');
        }, 2);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(async () => {
    inst.disable();
    await new Promise((r) => server.close(r));
    context.disable();
    propagation.disable();
  });

  const waitForServerSpan = async () => {
    for (let i = 0; i < 200 && !exporter.getFinishedSpans().some((s) => s.kind === 1); i++) await new Promise((r) => setTimeout(r, 5));
    return exporter.getFinishedSpans().find((s) => s.kind === 1);
  };

  it('the handler, body listeners, timers, awaits and response listeners run in the server span', async () => {
    exporter.reset();
    // A body sent in a second packet: the 'data' and 'end' listeners run in later parser callbacks.
    const req = http.request(`${url}/upload`, { method: 'POST' });
    req.write('part one,');
    await new Promise((r) => setTimeout(r, 20));
    req.end('part two');
    await new Promise<void>((resolve) => req.on('response', (res) => res.resume().on('end', resolve)));
    const span = await waitForServerSpan();
    expect(span?.name).to.equal('POST');
    const id = span!.spanContext().spanId;
    expect(seen).to.deep.equal({ handler: id, data: id, end: id, timeout: id, await: id, finish: id });
  });

  it('the duration histogram records once per request, its exemplar carrying the span', async () => {
    exporter.reset();
    await (await fetch(`${url}/exemplar`, { method: 'POST', body: 'x' })).text();
    const span = await waitForServerSpan();
    const collected = await new MetricProducer(meters.store).collect();
    const metric = collected.resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === 'http.server.request.duration')!;
    expect(metric.descriptor.unit).to.equal('s');
    const points = metric.dataPoints as unknown as { value: { count: number; buckets: { boundaries: number[] } }; exemplars?: { spanId: string; traceId: string }[] }[];
    expect(points.reduce((n, p) => n + p.value.count, 0)).to.equal(2);
    expect(points[0]!.value.buckets.boundaries).to.deep.equal([0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]);
    const exemplars = points.flatMap((p) => p.exemplars ?? []);
    expect(exemplars.map((e) => e.spanId)).to.include(span!.spanContext().spanId);
  });

  it('an ignored request gets no span and no metric, and its handler runs with tracing suppressed', async () => {
    exporter.reset();
    const before = await countRequests();
    await (await fetch(`${url}/health`, { method: 'POST', body: 'x' })).text();
    await new Promise((r) => setTimeout(r, 30));
    expect(exporter.getFinishedSpans()).to.have.length(0);
    expect(suppressed).to.equal(true);
    expect(await countRequests()).to.equal(before);
  });

  it('a client that goes away before the response still ends the span (on close)', async () => {
    exporter.reset();
    seen = {};
    // Headers only: the handler waits for a body that never comes.
    const req = http.request(`${url}/slow`, { method: 'POST', headers: { 'content-length': '10' } });
    req.on('error', () => undefined);
    req.flushHeaders();
    for (let i = 0; i < 200 && seen.handler === undefined; i++) await new Promise((r) => setTimeout(r, 5));
    expect(seen.handler).to.be.a('string');
    req.destroy();
    const span = await waitForServerSpan();
    expect(span?.name).to.equal('POST');
    expect(span!.ended).to.equal(true);
  });

  it('disable() stops spans and restores the prototypes it patched', async () => {
    inst.disable();
    try {
      expect(Object.prototype.hasOwnProperty.call(http.Server.prototype, 'emit')).to.equal(false);
      expect(Object.prototype.hasOwnProperty.call(http.IncomingMessage.prototype, 'emit')).to.equal(false);
      exporter.reset();
      await (await fetch(`${url}/off`, { method: 'POST', body: 'x' })).text();
      await new Promise((r) => setTimeout(r, 30));
      expect(exporter.getFinishedSpans()).to.have.length(0);
    } finally {
      inst.enable();
    }
  });

  async function countRequests(): Promise<number> {
    const collected = await new MetricProducer(meters.store).collect();
    const metric = collected.resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === 'http.server.request.duration');
    return ((metric?.dataPoints ?? []) as unknown as { value: { count: number } }[]).reduce((n, p) => n + p.value.count, 0);
  }
});
