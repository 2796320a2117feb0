import { expect } from 'chai';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { resolveConfig } from '../../src/index.js';

/**
 * Regression: initTelemetry() resolved OTLP settings with its own copy of the rules, where one
 * malformed OTEL_EXPORTER_OTLP_HEADERS entry dropped the whole list — the API key beside it
 * included, so every export was refused — while @otelkit/otlp's resolver skipped the entry. The
 * spec reading (skip the malformed entry, keep the rest, warn once) now holds for both: there is
 * one resolver, in @otelkit/otlp.
 */
describe('regression: a malformed OTEL_EXPORTER_OTLP_HEADERS entry drops only itself', () => {
  it('keeps the well-formed headers for metrics and traces, with one warning naming the variable', () => {
    const warnings: string[] = [];
    diag.setLogger(
      { error: (m) => warnings.push(m), warn: (m) => warnings.push(m), info: () => {}, debug: () => {}, verbose: () => {} },
      { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
    );
    try {
      const cfg = resolveConfig({}, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_HEADERS: 'api-key=secret,novalue,tenant=t%201' });
      expect(cfg.otlpMetrics?.headers).to.deep.equal({ 'api-key': 'secret', tenant: 't 1' });
      expect(cfg.otlpTraces?.headers).to.deep.equal({ 'api-key': 'secret', tenant: 't 1' });
      const about = warnings.filter((w) => w.includes('OTEL_EXPORTER_OTLP_HEADERS'));
      expect(about).to.have.length(1);
      expect(about[0]).to.contain('1 malformed entry');
      expect(cfg.warnings).to.deep.equal(about);
    } finally {
      diag.disable();
    }
  });
});
