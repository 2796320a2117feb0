import { expect } from 'chai';
import { MetricsAuthConfigError, PushgatewayConfigError } from '@otelkit/prometheus';
import { OtlpConfigError } from '@otelkit/otlp';
import { MetersConfigError } from '@otelkit/meters';
import { ConfigError, initTelemetry } from '../../src/index.js';

/**
 * Regression: a bad `prometheus.auth` (here an allowlist entry that is not a CIDR range) reached
 * the caller of initTelemetry() as a MetricsAuthConfigError, which was no ConfigError although the
 * README promises one: `catch (e) { if (e instanceof ConfigError) … }` missed it. Every package's
 * configuration error now extends the one ConfigError.
 */
describe('regression: every configuration error out of initTelemetry() is a ConfigError', () => {
  it('prometheus.auth.allow with a non-CIDR entry: a ConfigError naming the field and a correct example', () => {
    let caught: unknown;
    try {
      initTelemetry({ serviceName: 'auth', env: {}, runtimeMetrics: false, shutdownHooks: false, prometheus: { port: 0, auth: { allow: ['10.0.0.300/8'] } } });
    } catch (e) {
      caught = e;
    }
    expect(caught).to.be.instanceOf(ConfigError);
    expect(caught).to.be.instanceOf(MetricsAuthConfigError);
    const e = caught as ConfigError;
    expect(e.field).to.equal('allow[0]');
    expect(e.message).to.contain('auth.allow[0]');
    expect(e.example).to.contain('10.0.0.0/8');
  });

  it('the endpoint is usable after the failed call (nothing was registered or left listening)', async () => {
    const tel = initTelemetry({ serviceName: 'auth-retry', env: {}, runtimeMetrics: false, shutdownHooks: false, prometheus: { port: 0, auth: { allow: ['127.0.0.1'] } } });
    try {
      await tel.ready;
      const res = await fetch(tel.metricsUrl!);
      expect(res.status).to.equal(200);
    } finally {
      await tel.shutdown();
    }
  });

  it('the other packages’ configuration errors are ConfigErrors too, with field, problem and example', () => {
    for (const e of [
      new PushgatewayConfigError('url', 'is not a URL; use e.g. "http://127.0.0.1:9091"'),
      new OtlpConfigError('url', '"x" is not an http(s) URL', 'http://localhost:4318/v1/metrics'),
      new MetersConfigError('createServiceHealthMeters', 'options.service', 'must be a non-empty string', "{ service: 'evaluator' }"),
    ]) {
      expect(e).to.be.instanceOf(ConfigError);
      expect(e.field).to.be.a('string').and.not.equal('');
      expect(e.problem).to.be.a('string').and.not.equal('');
      expect(e.example).to.be.a('string').and.not.equal('');
    }
  });
});
