import { expect } from 'chai';
import { createRequire } from 'node:module';
import type * as Http from 'node:http';
import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { parseOpenMetricsStrict, waitFor } from '@otelkit/testkit';
import { initTelemetry, type Telemetry } from '../../src/index.js';

/**
 * The common split of issue 11: the application (or NodeSDK) registered a TracerProvider, context
 * manager and propagator first and owns traces; otelkit owns metrics. initTelemetry() says so in
 * one warning, health() is degraded with the findings, and exemplars carry the ids of the spans
 * the application's provider made (otelkit reads the active span from the API's context).
 */
describe('coexistence: an application TracerProvider owns traces, otelkit owns metrics', function () {
  this.timeout(20_000);
  const spans = new InMemorySpanExporter();
  let appProvider: TracerProvider;
  let tel: Telemetry;
  let server: Http.Server;
  let port: number;
  const warnings: Error[] = [];
  const onWarning = (w: Error): void => {
    if ((w as { code?: string }).code === 'OTELKIT_COEXISTENCE') warnings.push(w);
  };

  before(async () => {
    // What NodeSDK.start() registers: a TracerProvider, an AsyncLocalStorage context manager, W3C propagation.
    appProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] });
    trace.setGlobalTracerProvider(appProvider);
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    process.on('warning', onWarning);
    tel = initTelemetry({
      serviceName: 'coexistence-split',
      env: {},
      runtimeMetrics: false,
      shutdownHooks: false,
      prometheus: { host: '127.0.0.1', port: 0 },
      // Scrapes untraced: a traced scrape records into the same duration series (same method,
      // status, scheme) and, with the reservoir's uniform draw per bucket, could take the bucket's
      // one exemplar slot from the request under test (seen: 2 failures in ~8 runs).
      instrumentations: [new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => req.url?.startsWith('/metrics') === true })],
    });
    await tel.ready;
    // process.emitWarning delivers on the next tick.
    await new Promise((r) => setImmediate(r));
    const http = createRequire(import.meta.url)('node:http') as typeof Http;
    server = http.createServer((_req, res) => setTimeout(() => res.end('ok'), 5));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });
  after(async () => {
    process.off('warning', onWarning);
    await new Promise((r) => server?.close(r));
    await tel?.shutdown().catch(() => undefined);
    await appProvider.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
  });

  it('one OTELKIT_COEXISTENCE warning at startup naming the provider, the context manager and the propagator', () => {
    expect(warnings).to.have.length(1);
    expect(warnings[0]!.name).to.equal('OtelkitWarning');
    expect(warnings[0]!.message).to.contain('a TracerProvider (TracerProvider) is already registered');
    expect(warnings[0]!.message).to.contain('AsyncLocalStorageContextManager');
    expect(warnings[0]!.message).to.contain('Fix:');
  });

  it('health() is degraded and lists the findings', () => {
    const h = tel.health();
    expect(h.status).to.equal('degraded');
    expect(h.coexistence.map((f) => f.kind)).to.deep.equal(['tracer-provider', 'context-manager', 'propagator']);
  });

  it('the global MeterProvider is otelkit\'s: the application\'s own API counter is on /metrics', async () => {
    metrics.getMeter('app').createCounter('app.orders').add(3);
    const text = await (await fetch(tel.metricsUrl!)).text();
    expect(text).to.match(/^app_orders_total\{.*\} 3$/m);
  });

  it('request spans go to the application\'s provider, and the exemplar carries that span\'s ids', async () => {
    const traceId = 'ef'.repeat(16);
    const res = await fetch(`http://127.0.0.1:${port}/split`, { headers: { traceparent: `00-${traceId}-${'12'.repeat(8)}-01` } });
    expect(await res.text()).to.equal('ok');
    // The duration is recorded when the response finishes, which on a loaded machine can come after
    // the client has its body: poll. Each scrape ends the exemplar cycle, so the exemplar shows in
    // exactly one scrape (the first after the record): keep every scrape's exemplars.
    const server = await waitFor('the SERVER span, in the application provider\'s exporter', () =>
      spans.getFinishedSpans().find((s) => s.spanContext().traceId === traceId && s.kind === 1), 5000, 20);
    const exemplars: { labels: Record<string, string> }[] = [];
    await waitFor('the request\'s exemplar on /metrics', async () => {
      const om = await (await fetch(tel.metricsUrl!, { headers: { accept: 'application/openmetrics-text; version=1.0.0' } })).text();
      const duration = parseOpenMetricsStrict(om).find((f) => f.name === 'http_server_request_duration_seconds');
      for (const e of duration?.samples.filter((x) => x.exemplar !== null).map((x) => x.exemplar!) ?? []) exemplars.push(e as never);
      return exemplars.some((e) => e.labels.trace_id === traceId) || undefined;
    }, 5000, 50);
    const mine = exemplars.filter((e) => e.labels.trace_id === traceId);
    expect(mine).to.have.length(1);
    expect(mine[0]!.labels.span_id).to.equal(server!.spanContext().spanId);
    await new Promise((r) => setTimeout(r, 100)); // the scrape requests' own spans end after their duration is recorded
    const appSpanIds = new Set(spans.getFinishedSpans().map((s) => s.spanContext().spanId));
    for (const e of exemplars) expect(appSpanIds.has(e.labels.span_id!), `exemplar span ${e.labels.span_id} comes from the application's provider`).to.equal(true);
  });
});

describe('coexistence: an application AsyncLocalStorage context manager alone', () => {
  it('is reported (one warning, in health().coexistence) but health() stays ok: otelkit uses it as its own', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => {
      if ((w as { code?: string }).code === 'OTELKIT_COEXISTENCE') warnings.push(w);
    };
    process.on('warning', onWarning);
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    try {
      const tel = initTelemetry({ serviceName: 'own-context', env: {}, runtimeMetrics: false, shutdownHooks: false, prometheus: false });
      await new Promise((r) => setImmediate(r));
      const h = tel.health();
      await tel.shutdown();
      expect(h.status).to.equal('ok');
      expect(h.coexistence.map((f) => [f.kind, f.degrades])).to.deep.equal([['context-manager', false]]);
      expect(warnings).to.have.length(1);
      expect(warnings[0]!.message).to.contain('nothing otelkit does is affected');
    } finally {
      process.off('warning', onWarning);
      context.disable();
    }
  });
});
