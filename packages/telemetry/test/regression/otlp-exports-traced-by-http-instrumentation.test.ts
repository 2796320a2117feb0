import { expect } from 'chai';
import { context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { startOtlpReceiver, startPushgateway, waitFor, type OtlpReceiver, type PushgatewayServer } from '@otelkit/testkit';
import { initTelemetry, type Telemetry } from '../../src/index.js';

/**
 * Regression: with an HTTP client instrumentation active (instrumentation-http in
 * `instrumentations`, or `httpInstrumentation: { client: true }`), otelkit's own OTLP/HTTP export
 * requests were traced — every export produced a CLIENT span (POST /v1/traces, /v1/metrics) that
 * the next export carried, and a `traceparent` header on the export. The transport now sends with
 * tracing suppressed, as the OpenTelemetry SDK's exporters do.
 */
type Attr = { key: string; value: Record<string, unknown> };

for (const setup of ['instrumentation-http in instrumentations', 'httpInstrumentation: { client: true }'] as const) {
  describe(`regression: OTLP exports were traced by the HTTP client instrumentation (${setup})`, function () {
    this.timeout(60_000);
    let receiver: OtlpReceiver;
    let tel: Telemetry;
    before(async () => {
      receiver = await startOtlpReceiver();
      tel = initTelemetry({
        serviceName: 'exports-untraced',
        runtimeMetrics: false,
        shutdownHooks: false,
        prometheus: false,
        metricsExporters: ['otlp'],
        tracesExporters: ['otlp'],
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' },
        metricExportIntervalMillis: 600_000,
        ...(setup === 'instrumentation-http in instrumentations'
          ? { instrumentations: [new HttpInstrumentation({ disableIncomingRequestInstrumentation: true })] }
          : { httpInstrumentation: { server: false, client: true } }),
      });
    });
    after(async () => {
      await tel?.shutdown().catch(() => undefined);
      await receiver?.stop();
    });

    it('three flushes: only the application span is exported, no export request carries a traceparent', async () => {
      tel.tracer('app').startSpan('work').end();
      for (let i = 0; i < 3; i++) await tel.forceFlush();
      const requests = (await receiver.requests()).filter((r) => r.path === '/v1/traces' || r.path === '/v1/metrics');
      expect(requests.length).to.be.greaterThan(1);
      const names: string[] = [];
      for (const r of requests)
        if (r.path === '/v1/traces')
          for (const rs of r.body?.resource_spans ?? []) for (const ss of rs.scope_spans ?? []) for (const s of ss.spans as { name: string; attributes?: Attr[] }[]) names.push(s.name);
      expect(names).to.deep.equal(['work']);
      expect(requests.filter((r) => r.headers.traceparent !== undefined)).to.deep.equal([]);
    });
  });
}

describe('regression: Pushgateway pushes were traced by the HTTP client instrumentation (httpInstrumentation: { client: true })', function () {
  this.timeout(60_000);
  let receiver: OtlpReceiver;
  let gateway: PushgatewayServer;
  let tel: Telemetry;
  before(async () => {
    [receiver, gateway] = await Promise.all([startOtlpReceiver(), startPushgateway()]);
    tel = initTelemetry({
      serviceName: 'pushes-untraced',
      runtimeMetrics: false,
      shutdownHooks: false,
      prometheus: false,
      tracesExporters: ['otlp'],
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' },
      pushgateway: { url: gateway.url, job: 'pushes-untraced', intervalMs: 100 },
      httpInstrumentation: { server: false, client: true },
    });
  });
  after(async () => {
    await tel?.shutdown().catch(() => undefined);
    await Promise.all([receiver?.stop(), gateway?.stop()]);
  });

  it('pushes reach the gateway; the only exported span is the application one', async () => {
    tel.meter('m').createCounter('pushed.items').add(3);
    await waitFor('two pushes', () => (tel.health().pushgateway?.pushes ?? 0) >= 2, 10_000, 20);
    // The test's own GET of the gateway would be traced too (fetch is instrumented in this process).
    expect(await context.with(suppressTracing(context.active()), () => gateway.metrics())).to.contain('pushed_items_total{');
    tel.tracer('app').startSpan('work').end();
    await tel.forceFlush();
    const names: string[] = [];
    for (const r of await receiver.requests())
      if (r.path === '/v1/traces')
        for (const rs of r.body?.resource_spans ?? []) for (const ss of rs.scope_spans ?? []) for (const s of ss.spans as { name: string }[]) names.push(s.name);
    expect(names).to.deep.equal(['work']);
  });
});
