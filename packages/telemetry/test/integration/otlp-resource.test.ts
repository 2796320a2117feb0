import { expect } from 'chai';
import { startOtlpReceiver, type OtlpReceiver } from '@otelkit/testkit';
import { initTelemetry, type Telemetry } from '../../src/index.js';

type Attr = { key: string; value: Record<string, unknown> };
const asMap = (attrs: Attr[] = []) => Object.fromEntries(attrs.map((a) => [a.key, Object.values(a.value)[0]]));

for (const protocol of ['http/protobuf', 'http/json'] as const) {
  describe(`OTLP ${protocol}: metrics and spans share one Resource (decoded with the official protos)`, function () {
    this.timeout(30_000);
    let receiver: OtlpReceiver;
    let tel: Telemetry;
    before(async () => {
      receiver = await startOtlpReceiver();
      tel = initTelemetry({
        serviceName: 'resource-check',
        serviceVersion: '9.9.9',
        runtimeMetrics: false,
        shutdownHooks: false,
        prometheus: false,
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: protocol, OTEL_RESOURCE_ATTRIBUTES: 'team=core' },
        metricExportIntervalMillis: 600_000,
      });
    });
    after(async () => {
      await tel?.shutdown().catch(() => undefined);
      await receiver?.stop();
    });

    it('both signals arrive with identical resource attributes', async () => {
      const tracer = tel.tracer('t');
      const hist = tel.meter('m').createHistogram('op.duration', { unit: 's' });
      tracer.startActiveSpan('op', (span) => {
        hist.record(0.25, { op: 'x' });
        span.end();
      });
      await tel.forceFlush();
      const reqs = await receiver.requests();
      const m = reqs.find((r) => r.path === '/v1/metrics' && r.body);
      const t = reqs.find((r) => r.path === '/v1/traces' && r.body);
      expect(m, 'metrics request').to.not.equal(undefined);
      expect(t, 'traces request').to.not.equal(undefined);
      expect(m!.content_type).to.contain(protocol === 'http/json' ? 'json' : 'protobuf');
      const mr = asMap(m!.body!.resource_metrics[0].resource.attributes);
      const tr = asMap(t!.body!.resource_spans[0].resource.attributes);
      expect(mr).to.deep.equal(tr);
      expect(mr).to.include({ 'service.name': 'resource-check', 'service.version': '9.9.9', team: 'core', 'telemetry.sdk.language': 'nodejs' });
      expect(mr['service.instance.id']).to.equal(tel.config.serviceInstanceId);
      expect(mr['host.name']).to.be.a('string');
      expect(mr['process.pid']).to.not.equal(undefined);
    });
  });
}
