import { expect } from 'chai';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { initTelemetry, resolveConfig } from '../../src/index.js';

/**
 * Regression: DESIGN-NOTES promises a warning when OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE
 * asks for delta (otelkit exports cumulative only), but the warning lived in @otelkit/otlp's
 * resolver, which initTelemetry() never called: a service configured for delta got cumulative
 * silently. initTelemetry() now resolves OTLP through that one resolver.
 */
describe('regression: initTelemetry() reports an unsupported temporality preference', () => {
  const capture = () => {
    const warnings: string[] = [];
    diag.setLogger(
      { error: (m) => warnings.push(m), warn: (m) => warnings.push(m), info: () => {}, debug: () => {}, verbose: () => {} },
      { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
    );
    return warnings;
  };
  afterEach(() => diag.disable());

  it('delta: one warning through diag and in health().configWarnings', async () => {
    const warnings = capture();
    const tel = initTelemetry({
      serviceName: 'temporality',
      env: { OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'delta' },
      metricsExporters: ['otlp'],
      otlp: { endpoint: 'http://127.0.0.1:9' },
      runtimeMetrics: false,
      shutdownHooks: false,
      prometheus: false,
    });
    try {
      const about = (list: readonly string[]) => list.filter((w) => w.includes('TEMPORALITY_PREFERENCE'));
      expect(about(warnings)).to.have.length(1);
      expect(about(warnings)[0]).to.contain('cumulative');
      expect(about(tel.health().configWarnings)).to.have.length(1);
    } finally {
      await tel.shutdown({ timeoutMillis: 200 }).catch(() => undefined);
    }
  });

  it('cumulative (any case) and unset: no warning', () => {
    const warnings = capture();
    expect(resolveConfig({}, { OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'Cumulative' }).warnings).to.deep.equal([]);
    expect(resolveConfig({}, {}).warnings).to.deep.equal([]);
    expect(warnings).to.deep.equal([]);
  });
});
