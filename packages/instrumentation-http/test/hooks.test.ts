import { expect } from 'chai';
import { context, diag, DiagLogLevel, propagation, type DiagLogger } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { MeterProvider, MetricProducer } from '@otelkit/metrics';
import http from 'node:http';
import { HttpInstrumentation } from '../src/index.js';

/**
 * Application hooks that throw (or return junk) must not break the request, the span or the
 * metric: a channel subscriber's exception would be an uncaught exception of the application.
 * Parity of what working hooks do is in parity.test.ts.
 */
describe('server hooks that throw', function () {
  this.timeout(20_000);
  const exporter = new InMemorySpanExporter();
  const tracing = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const warnings: string[] = [];
  let meters: MeterProvider;
  let inst: HttpInstrumentation;
  let server: http.Server;
  let url: string;
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown) => uncaught.push(e);

  before(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    const logger = { warn: (m: string) => warnings.push(m), error: (m: string) => warnings.push(m) } as unknown as DiagLogger;
    for (const l of ['info', 'debug', 'verbose'] as const) (logger as unknown as Record<string, () => void>)[l] = () => undefined;
    diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
    process.on('uncaughtException', onUncaught);
    meters = new MeterProvider({ exemplarFilter: 'always_off' });
    const boom = (name: string) => () => {
      throw new Error(`${name} failed`);
    };
    inst = new HttpInstrumentation({
      tracerProvider: tracing,
      meterProvider: meters,
      startIncomingSpanHook: boom('start'),
      requestHook: boom('request'),
      responseHook: boom('response'),
      applyCustomAttributesOnSpan: boom('custom'),
      headersToSpanAttributes: { server: { requestHeaders: ['x-a'], responseHeaders: ['x-b'] } },
    });
    inst.enable();
    server = http.createServer((req, res) => {
      res.setHeader('x-b', 'out');
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(async () => {
    inst.disable();
    await new Promise((r) => server.close(r));
    process.off('uncaughtException', onUncaught);
    diag.disable();
    context.disable();
    propagation.disable();
  });

  it('every request is served, spanned and measured; each hook is warned about once', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${url}/x${i}`, { headers: { 'x-a': 'in' } });
      expect(await res.text()).to.equal('ok');
    }
    for (let i = 0; i < 200 && exporter.getFinishedSpans().length < 3; i++) await new Promise((r) => setTimeout(r, 5));
    const spans = exporter.getFinishedSpans();
    expect(spans).to.have.length(3);
    for (const s of spans) {
      expect(s.name).to.equal('GET');
      expect(s.attributes['http.response.status_code']).to.equal(200);
      // Header capture does not depend on the hooks.
      expect(s.attributes['http.request.header.x-a']).to.deep.equal(['in']);
      expect(s.attributes['http.response.header.x-b']).to.deep.equal(['out']);
    }
    const collected = await new MetricProducer(meters.store).collect();
    let count = 0;
    for (const sm of collected.resourceMetrics.scopeMetrics)
      for (const m of sm.metrics) if (m.descriptor.name === 'http.server.request.duration') for (const p of m.dataPoints) count += (p.value as { count: number }).count;
    expect(count).to.equal(3);
    expect(uncaught).to.deep.equal([]);
    expect(warnings.filter((w) => w.includes('threw')).map((w) => w.split(' threw')[0])).to.deep.equal([
      '@otelkit/instrumentation-http: startIncomingSpanHook',
      '@otelkit/instrumentation-http: requestHook',
      '@otelkit/instrumentation-http: responseHook',
      '@otelkit/instrumentation-http: applyCustomAttributesOnSpan',
    ]);
  });
});
