import { expect } from 'chai';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { startOtlpReceiver, type OtlpReceiver } from '@otelkit/testkit';
import { ConfigError, initTelemetry, resolveConfig } from '../../src/index.js';

/**
 * Regression: OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=delta was first ignored silently
 * (the warning lived in a resolver initTelemetry() never called), then only warned: a backend
 * that needs delta (several do) got cumulative points. It is now honoured: initTelemetry()'s OTLP
 * metrics exporter sends counters and histograms as delta, and a value that is not a preference
 * is a ConfigError instead of a warning.
 */
describe('regression: initTelemetry() honours OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE', () => {
  const capture = () => {
    const warnings: string[] = [];
    diag.setLogger(
      { error: (m) => warnings.push(m), warn: (m) => warnings.push(m), info: () => {}, debug: () => {}, verbose: () => {} },
      { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
    );
    return warnings;
  };
  let receiver: OtlpReceiver | undefined;
  afterEach(async () => {
    diag.disable();
    await receiver?.stop();
    receiver = undefined;
  });

  it('delta: no warning, the OTLP counter is delta (the second export carries only the new increments), /metrics stays cumulative', async function () {
    this.timeout(60_000);
    const warnings = capture();
    receiver = await startOtlpReceiver();
    const tel = initTelemetry({
      serviceName: 'temporality',
      env: { OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'delta' },
      metricsExporters: ['otlp', 'prometheus'],
      otlp: { endpoint: receiver.url },
      runtimeMetrics: false,
      shutdownHooks: false,
      prometheus: { host: '127.0.0.1', port: 0 },
    });
    try {
      await tel.ready;
      expect(warnings.filter((w) => w.includes('TEMPORALITY_PREFERENCE'))).to.deep.equal([]);
      const c = tel.meter('t').createCounter('jobs');
      c.add(5);
      await tel.forceFlush();
      c.add(2);
      await tel.forceFlush();
      const sums = (await receiver.requests())
        .filter((r) => r.path === '/v1/metrics' && r.body)
        .flatMap((r) => r.body!.resource_metrics[0].scope_metrics)
        .flatMap((sm: any) => sm.metrics)
        .filter((m: any) => m.name === 'jobs')
        .map((m: any) => ({ temporality: m.sum.aggregation_temporality, value: Number(m.sum.data_points[0].as_int ?? m.sum.data_points[0].as_double) }));
      expect(sums).to.deep.equal([
        { temporality: 'AGGREGATION_TEMPORALITY_DELTA', value: 5 },
        { temporality: 'AGGREGATION_TEMPORALITY_DELTA', value: 2 },
      ]);
      // The store, and so the Prometheus endpoint, keeps the totals.
      const scrape = await (await fetch(tel.metricsUrl!)).text();
      expect(scrape).to.match(/^jobs_total\{[^}]*\} 7$/m);
    } finally {
      await tel.shutdown({ timeoutMillis: 2000 }).catch(() => undefined);
    }
  });

  it('cumulative (any case) and unset: no warning; an unknown value: a ConfigError naming the variable', () => {
    const warnings = capture();
    expect(resolveConfig({}, { OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'Cumulative' }).warnings).to.deep.equal([]);
    expect(resolveConfig({}, {}).warnings).to.deep.equal([]);
    expect(warnings).to.deep.equal([]);
    expect(() => resolveConfig({}, { OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'deltas' })).to.throw(ConfigError, /OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE.*cumulative, delta or lowmemory/);
  });
});
