import { expect } from 'chai';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { resolveConfig } from '../src/config.js';
import { ConfigError } from '../src/errors.js';
import type { TelemetryOptions } from '../src/options.js';

/** Resolves with an explicit env and captures diag warnings. */
function resolve(env: Record<string, string>, options: TelemetryOptions = {}) {
  const warnings: string[] = [];
  diag.setLogger(
    { error: (m) => warnings.push(m), warn: (m) => warnings.push(m), info: () => {}, debug: () => {}, verbose: () => {} },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
  try {
    return { cfg: resolveConfig(options, env), warnings };
  } finally {
    diag.disable();
  }
}

function configError(options: unknown): ConfigError {
  try {
    resolveConfig(options as TelemetryOptions, {});
  } catch (e) {
    expect(e).to.be.instanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('resolveConfig', () => {
  describe('defaults (nothing set)', () => {
    const { cfg, warnings } = resolve({});
    it('serves Prometheus on localhost:9464 and sends no OTLP (no collector, no error spam)', () => {
      expect(cfg.metricsExporters).to.deep.equal(['prometheus']);
      expect(cfg.prometheus).to.include({ host: 'localhost', port: 9464, path: '/metrics', server: true });
      expect(cfg.otlpMetrics).to.equal(undefined);
      expect(cfg.tracesExporters).to.deep.equal([]);
      expect(cfg.otlpTraces).to.equal(undefined);
      expect(warnings).to.deep.equal([]);
    });
    it('uses the spec defaults for intervals, sampler and exemplar filter', () => {
      expect(cfg.metricExportIntervalMillis).to.equal(60000);
      expect(cfg.metricExportTimeoutMillis).to.equal(30000);
      expect(cfg.sampler).to.equal('parentbased_always_on');
      expect(cfg.exemplarFilter).to.equal('trace_based');
      expect(cfg.disabled).to.equal(false);
      expect(cfg.serviceName).to.match(/^unknown_service:/);
      expect(cfg.serviceInstanceId).to.match(/^[0-9a-f-]{36}$/);
    });
    it('gives each resolution a distinct service.instance.id', () => {
      expect(resolve({}).cfg.serviceInstanceId).to.not.equal(cfg.serviceInstanceId);
    });
  });

  describe('OTEL_SDK_DISABLED', () => {
    it('true (any case) disables', () => expect(resolve({ OTEL_SDK_DISABLED: 'TRUE' }).cfg.disabled).to.equal(true));
    it('false and empty keep it on without warning', () => {
      for (const v of ['false', '', '  ']) {
        const r = resolve({ OTEL_SDK_DISABLED: v });
        expect(r.cfg.disabled).to.equal(false);
        expect(r.warnings).to.deep.equal([]);
      }
    });
    it('a malformed value warns once and means false', () => {
      const r = resolve({ OTEL_SDK_DISABLED: 'yes' });
      expect(r.cfg.disabled).to.equal(false);
      expect(r.warnings).to.have.length(1);
      expect(r.warnings[0]).to.contain('OTEL_SDK_DISABLED');
    });
    it('the option wins over the env', () => expect(resolve({ OTEL_SDK_DISABLED: 'true' }, { disabled: false }).cfg.disabled).to.equal(false));
  });

  describe('service identity and OTEL_RESOURCE_ATTRIBUTES', () => {
    it('parses key=value pairs with percent-decoding', () => {
      const { cfg } = resolve({ OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=prod,team=a%2Cb, k = v ' });
      expect(cfg.resourceAttributes).to.deep.equal({ 'deployment.environment.name': 'prod', team: 'a,b', k: 'v' });
    });
    it('discards a malformed list whole, with one warning', () => {
      const r = resolve({ OTEL_RESOURCE_ATTRIBUTES: 'a=1,=2' });
      expect(r.cfg.resourceAttributes).to.deep.equal({});
      expect(r.warnings).to.have.length(1);
      const r2 = resolve({ OTEL_RESOURCE_ATTRIBUTES: 'a=%E0%A4%A' });
      expect(r2.cfg.resourceAttributes).to.deep.equal({});
      expect(r2.warnings).to.have.length(1);
    });
    it('service name: option > OTEL_SERVICE_NAME > service.name in OTEL_RESOURCE_ATTRIBUTES', () => {
      const env = { OTEL_SERVICE_NAME: 'from-env', OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attrs,service.version=2.0' };
      expect(resolve(env, { serviceName: 'from-option' }).cfg.serviceName).to.equal('from-option');
      expect(resolve(env).cfg.serviceName).to.equal('from-env');
      expect(resolve({ OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attrs' }).cfg.serviceName).to.equal('from-attrs');
      expect(resolve(env).cfg.serviceVersion).to.equal('2.0');
    });
    it('options.resourceAttributes override the env', () => {
      const { cfg } = resolve({ OTEL_RESOURCE_ATTRIBUTES: 'a=1,b=2' }, { resourceAttributes: { b: 3 } });
      expect(cfg.resourceAttributes).to.deep.equal({ a: '1', b: 3 });
    });
  });

  describe('exporter selection', () => {
    it('OTEL_METRICS_EXPORTER takes a comma list', () => {
      const { cfg } = resolve({ OTEL_METRICS_EXPORTER: 'otlp, prometheus,console' });
      expect(cfg.metricsExporters).to.deep.equal(['otlp', 'prometheus', 'console']);
      expect(cfg.otlpMetrics?.url).to.equal('http://localhost:4318/v1/metrics');
    });
    it('an exporter list naming OTLP with nothing else about OTLP set gets the default endpoints', () => {
      const { cfg, warnings } = resolve({}, { tracesExporters: ['otlp'], metricsExporters: ['otlp'] });
      expect(cfg.otlpTraces?.url).to.equal('http://localhost:4318/v1/traces');
      expect(cfg.otlpMetrics?.url).to.equal('http://localhost:4318/v1/metrics');
      expect(cfg.otlpMetrics?.protocol).to.equal('http/protobuf');
      expect(warnings).to.deep.equal([]);
    });
    it('none turns metrics export off', () => {
      const { cfg } = resolve({ OTEL_METRICS_EXPORTER: 'none' });
      expect(cfg.metricsExporters).to.deep.equal([]);
      expect(cfg.prometheus).to.equal(undefined);
    });
    it('unknown entries warn and are dropped', () => {
      const r = resolve({ OTEL_METRICS_EXPORTER: 'prometheus,zipkin' });
      expect(r.cfg.metricsExporters).to.deep.equal(['prometheus']);
      expect(r.warnings.join()).to.contain('zipkin');
    });
    it('an OTLP endpoint turns OTLP metrics and traces on by default', () => {
      const { cfg } = resolve({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' });
      expect(cfg.metricsExporters).to.deep.equal(['prometheus', 'otlp']);
      expect(cfg.tracesExporters).to.deep.equal(['otlp']);
      expect(cfg.otlpTraces?.url).to.equal('http://127.0.0.1:4318/v1/traces');
    });
    it('OTEL_TRACES_EXPORTER=console,none means none', () => {
      expect(resolve({ OTEL_TRACES_EXPORTER: 'console,none' }).cfg.tracesExporters).to.deep.equal([]);
      expect(resolve({ OTEL_TRACES_EXPORTER: 'console' }).cfg.tracesExporters).to.deep.equal(['console']);
    });
    it('options win over env', () => {
      const { cfg } = resolve({ OTEL_METRICS_EXPORTER: 'otlp' }, { metricsExporters: ['prometheus'] });
      expect(cfg.metricsExporters).to.deep.equal(['prometheus']);
    });
    it('prometheus: false turns the endpoint off', () => {
      expect(resolve({}, { prometheus: false }).cfg.prometheus).to.equal(undefined);
    });
  });

  describe('Prometheus host/port', () => {
    it('reads OTEL_EXPORTER_PROMETHEUS_HOST and _PORT', () => {
      const { cfg } = resolve({ OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1', OTEL_EXPORTER_PROMETHEUS_PORT: '9999' });
      expect(cfg.prometheus).to.include({ host: '127.0.0.1', port: 9999 });
    });
    it('a malformed port warns and uses 9464', () => {
      for (const v of ['abc', '70000', '-1', '12.5']) {
        const r = resolve({ OTEL_EXPORTER_PROMETHEUS_PORT: v });
        expect(r.cfg.prometheus?.port).to.equal(9464);
        expect(r.warnings).to.have.length(1);
      }
    });
    it('options win over env', () => {
      expect(resolve({ OTEL_EXPORTER_PROMETHEUS_PORT: '9999' }, { prometheus: { port: 0 } }).cfg.prometheus?.port).to.equal(0);
    });
  });

  describe('OTLP settings', () => {
    it('per-signal endpoints are used as is; the generic one gets /v1/<signal>', () => {
      const { cfg } = resolve({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/base/',
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://m:9000/custom',
      });
      expect(cfg.otlpMetrics?.url).to.equal('http://m:9000/custom');
      expect(cfg.otlpTraces?.url).to.equal('http://collector:4318/base/v1/traces');
    });
    it('headers: generic, then per-signal, then options', () => {
      const { cfg } = resolve(
        { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_HEADERS: 'a=1,b=x%20y', OTEL_EXPORTER_OTLP_METRICS_HEADERS: 'a=2' },
        { otlp: { headers: { c: '3' } } },
      );
      expect(cfg.otlpMetrics?.headers).to.deep.equal({ a: '2', b: 'x y', c: '3' });
      expect(cfg.otlpTraces?.headers).to.deep.equal({ a: '1', b: 'x y', c: '3' });
    });
    it('protocol, timeout and compression, generic and per signal', () => {
      const { cfg } = resolve({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
        OTEL_EXPORTER_OTLP_TIMEOUT: '2500',
        OTEL_EXPORTER_OTLP_METRICS_TIMEOUT: '1500',
        OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
      });
      expect(cfg.otlpMetrics).to.include({ protocol: 'http/json', timeoutMillis: 1500, compression: 'gzip' });
      expect(cfg.otlpTraces).to.include({ protocol: 'http/protobuf', timeoutMillis: 2500, compression: 'gzip' });
    });
    it('malformed endpoint and timeout warn once each and fall back to the spec defaults', () => {
      const r = resolve({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url',
        OTEL_EXPORTER_OTLP_TIMEOUT: 'soon',
        OTEL_METRICS_EXPORTER: 'otlp',
      });
      expect(r.cfg.otlpMetrics).to.deep.include({ url: 'http://localhost:4318/v1/metrics', protocol: 'http/protobuf', timeoutMillis: 10000, compression: 'none' });
      for (const name of ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TIMEOUT']) {
        expect(r.warnings.filter((w) => w.includes(name + '='))).to.have.length(1, name);
      }
    });
    it('an unknown protocol or compression is a ConfigError naming the variable (a service must not export nothing silently)', () => {
      expect(() => resolve({ OTEL_EXPORTER_OTLP_PROTOCOL: 'carrier-pigeon' })).to.throw(ConfigError, /OTEL_EXPORTER_OTLP_PROTOCOL/);
      expect(() => resolve({ OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: 'zip' })).to.throw(ConfigError, /OTEL_EXPORTER_OTLP_TRACES_COMPRESSION/);
      expect(() => resolve({ OTEL_EXPORTER_OTLP_CERTIFICATE: '/nonexistent/ca.pem' })).to.throw(ConfigError, /OTEL_EXPORTER_OTLP_CERTIFICATE.*ENOENT/);
    });
    it('grpc: metrics and traces use the endpoint as is (no /v1/<signal>), no warning', () => {
      const r = resolve({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_TRACES_EXPORTER: 'otlp' });
      expect(r.cfg.otlpMetrics).to.deep.include({ protocol: 'grpc', url: 'http://c:4317' });
      expect(r.cfg.otlpTraces).to.deep.include({ protocol: 'grpc', url: 'http://c:4317' });
      expect(r.cfg.warnings.filter((w) => w.includes('gRPC'))).to.have.length(0);
    });
    it('otlp options: certificate files, insecure and temporality preference reach the resolved settings', () => {
      const { cfg } = resolve({ OTEL_EXPORTER_OTLP_ENDPOINT: 'c:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_TRACES_EXPORTER: 'otlp' }, { otlp: { insecure: true, temporalityPreference: 'delta' } });
      expect(cfg.otlpMetrics).to.deep.include({ url: 'http://c:4317', temporalityPreference: 'delta' });
      expect(cfg.otlpTraces).to.deep.include({ url: 'http://c:4317', temporalityPreference: 'cumulative' });
      expect(() => resolve({}, { otlp: { clientKeyFile: '/nonexistent/key.pem' } })).to.throw(ConfigError, /otlp.clientKeyFile|clientKeyFile/);
      expect(() => resolve({}, { otlp: { temporalityPreference: 'weekly' as never } })).to.throw(ConfigError, /otlp.temporalityPreference/);
    });
    it('grpc with no endpoint: the spec default http://localhost:4317', () => {
      const r = resolve({ OTEL_EXPORTER_OTLP_PROTOCOL: 'GRPC', OTEL_METRICS_EXPORTER: 'otlp' });
      expect(r.cfg.otlpMetrics).to.deep.include({ protocol: 'grpc', url: 'http://localhost:4317' });
    });
    it('options win over env', () => {
      const { cfg } = resolve({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://env:4318' }, { otlp: { endpoint: 'http://opt:4318', protocol: 'http/json' } });
      expect(cfg.otlpMetrics).to.include({ url: 'http://opt:4318/v1/metrics', protocol: 'http/json' });
    });
  });

  describe('intervals, sampler, exemplar filter', () => {
    it('reads OTEL_METRIC_EXPORT_INTERVAL and _TIMEOUT (timeout clamped to the interval)', () => {
      expect(resolve({ OTEL_METRIC_EXPORT_INTERVAL: '5000', OTEL_METRIC_EXPORT_TIMEOUT: '2000' }).cfg).to.include({ metricExportIntervalMillis: 5000, metricExportTimeoutMillis: 2000 });
      expect(resolve({ OTEL_METRIC_EXPORT_INTERVAL: '1000' }).cfg.metricExportTimeoutMillis).to.equal(1000);
    });
    it('malformed intervals warn and use defaults', () => {
      const r = resolve({ OTEL_METRIC_EXPORT_INTERVAL: '-5', OTEL_METRIC_EXPORT_TIMEOUT: '1e3' });
      expect(r.cfg).to.include({ metricExportIntervalMillis: 60000, metricExportTimeoutMillis: 30000 });
      expect(r.warnings).to.have.length(2);
    });
    it('OTEL_TRACES_SAMPLER and _ARG', () => {
      expect(resolve({ OTEL_TRACES_SAMPLER: 'TraceIdRatio', OTEL_TRACES_SAMPLER_ARG: '0.25' }).cfg).to.include({ sampler: 'traceidratio', samplerArg: 0.25 });
      const r = resolve({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '2' });
      expect(r.cfg.samplerArg).to.equal(1);
      expect(r.warnings).to.have.length(1);
      const r2 = resolve({ OTEL_TRACES_SAMPLER: 'sometimes' });
      expect(r2.cfg.sampler).to.equal('parentbased_always_on');
      expect(r2.warnings).to.have.length(1);
    });
    it('OTEL_METRICS_EXEMPLAR_FILTER', () => {
      expect(resolve({ OTEL_METRICS_EXEMPLAR_FILTER: 'always_off' }).cfg.exemplarFilter).to.equal('always_off');
      expect(resolve({ OTEL_METRICS_EXEMPLAR_FILTER: 'ALWAYS_ON' }).cfg.exemplarFilter).to.equal('always_on');
      const r = resolve({ OTEL_METRICS_EXEMPLAR_FILTER: 'most' });
      expect(r.cfg.exemplarFilter).to.equal('trace_based');
      expect(r.warnings).to.have.length(1);
      expect(resolve({ OTEL_METRICS_EXEMPLAR_FILTER: 'always_on' }, { exemplarFilter: 'always_off' }).cfg.exemplarFilter).to.equal('always_off');
    });
  });

  describe('shutdown grace period and collection cycle (issue 15)', () => {
    it('defaults: 30000 ms grace (Kubernetes), 0.2 of it for the final export, 1000 ms collection cycle', () => {
      const { cfg } = resolve({});
      expect([cfg.terminationGracePeriodMillis, cfg.finalFlushShare, cfg.collectionCycleMillis]).to.deep.equal([30_000, 0.2, 1000]);
    });
    it('OTELKIT_TERMINATION_GRACE_PERIOD_MILLIS / OTELKIT_FINAL_FLUSH_SHARE, options over env', () => {
      const env = { OTELKIT_TERMINATION_GRACE_PERIOD_MILLIS: '10000', OTELKIT_FINAL_FLUSH_SHARE: '0.5' };
      expect([resolve(env).cfg.terminationGracePeriodMillis, resolve(env).cfg.finalFlushShare]).to.deep.equal([10_000, 0.5]);
      const both = resolve(env, { terminationGracePeriodMillis: 0, finalFlushShare: 0.1 }).cfg;
      expect([both.terminationGracePeriodMillis, both.finalFlushShare]).to.deep.equal([0, 0.1]);
    });
    it('malformed env values warn once each and the defaults apply', () => {
      const { cfg, warnings } = resolve({ OTELKIT_TERMINATION_GRACE_PERIOD_MILLIS: '30s', OTELKIT_FINAL_FLUSH_SHARE: '1' });
      expect([cfg.terminationGracePeriodMillis, cfg.finalFlushShare]).to.deep.equal([30_000, 0.2]);
      expect(warnings.filter((w) => w.includes('OTELKIT_TERMINATION_GRACE_PERIOD_MILLIS'))).to.have.length(1);
      expect(warnings.filter((w) => w.includes('OTELKIT_FINAL_FLUSH_SHARE'))).to.have.length(1);
    });
  });

  describe('invalid options throw a ConfigError naming the field and a correct example', () => {
    const cases: [string, unknown, string][] = [
      ['unknown key', { servicename: 'x' }, 'servicename'],
      ['unknown nested key', { prometheus: { prot: 1 } }, 'prometheus.prot'],
      ['wrong type', { serviceName: 42 }, 'serviceName'],
      ['port out of range', { prometheus: { port: 70000 } }, 'prometheus.port'],
      ['negative interval', { metricExportIntervalMillis: -1 }, 'metricExportIntervalMillis'],
      ['unparsable endpoint', { otlp: { endpoint: 'localhost:4318' } }, 'otlp.endpoint'],
      ['bad protocol', { otlp: { protocol: 'http/xml' } }, 'otlp.protocol'],
      ['bad exporter name', { metricsExporters: ['statsd'] }, 'metricsExporters[]'],
      ['bad sampler ratio', { samplerArg: 1.5 }, 'samplerArg'],
      ['bad boundaries', { histogramBoundaries: { x: [1, 1] } }, 'histogramBoundaries.x'],
      ['bad path', { prometheus: { path: 'metrics' } }, 'prometheus.path'],
      ['non-object options', 'fast', 'options'],
      ['grace period below 0', { terminationGracePeriodMillis: -1 }, 'terminationGracePeriodMillis'],
      ['flush share of 1', { finalFlushShare: 1 }, 'finalFlushShare'],
      ['flush share not a number', { finalFlushShare: '0.2' }, 'finalFlushShare'],
      ['negative collection cycle', { collectionCycleMillis: -5 }, 'collectionCycleMillis'],
      ['httpInstrumentation.server not a boolean', { httpInstrumentation: { server: 'yes' } }, 'httpInstrumentation.server'],
      ['an HTTP hook that is not a function', { httpInstrumentation: { requestHook: 'tag' } }, 'httpInstrumentation.requestHook'],
      ['applyCustomAttributesOnSpan not a function', { httpInstrumentation: { applyCustomAttributesOnSpan: {} } }, 'httpInstrumentation.applyCustomAttributesOnSpan'],
      ['client header names not an array', { httpInstrumentation: { headersToSpanAttributes: { client: { responseHeaders: 'etag' } } } }, 'httpInstrumentation.headersToSpanAttributes.client.responseHeaders'],
      ['header capture for a side that does not exist', { httpInstrumentation: { headersToSpanAttributes: { fetch: {} } } }, 'httpInstrumentation.headersToSpanAttributes.fetch'],
      ['header names not strings', { httpInstrumentation: { headersToSpanAttributes: { server: { requestHeaders: ['x-id', 7] } } } }, 'httpInstrumentation.headersToSpanAttributes.server.requestHeaders'],
      ['a misspelt header list', { httpInstrumentation: { headersToSpanAttributes: { server: { requestHeader: ['x-id'] } } } }, 'httpInstrumentation.headersToSpanAttributes.server.requestHeader'],
      ['httpInstrumentation.fetch not an object', { httpInstrumentation: { fetch: true } }, 'httpInstrumentation.fetch'],
      ['a fetch hook that is not a function', { httpInstrumentation: { fetch: { responseHook: 'x' } } }, 'httpInstrumentation.fetch.responseHook'],
      ['an instrumentation-http hook name under fetch', { httpInstrumentation: { fetch: { applyCustomAttributesOnSpan: () => undefined } } }, 'httpInstrumentation.fetch.applyCustomAttributesOnSpan'],
      ['fetch header names not an array', { httpInstrumentation: { fetch: { headersToSpanAttributes: { requestHeaders: 'x-id' } } } }, 'httpInstrumentation.fetch.headersToSpanAttributes.requestHeaders'],
      ['startOutgoingSpanHook not a function', { httpInstrumentation: { startOutgoingSpanHook: { 'app.x': 1 } } }, 'httpInstrumentation.startOutgoingSpanHook'],
      ['requireParentforOutgoingSpans not a boolean', { httpInstrumentation: { requireParentforOutgoingSpans: 'yes' } }, 'httpInstrumentation.requireParentforOutgoingSpans'],
      ['requireParentforIncomingSpans not a boolean', { httpInstrumentation: { requireParentforIncomingSpans: 1 } }, 'httpInstrumentation.requireParentforIncomingSpans'],
      ['requireParentForOutgoingSpans (capital F: not instrumentation-http\'s spelling)', { httpInstrumentation: { requireParentForOutgoingSpans: true } }, 'httpInstrumentation.requireParentForOutgoingSpans'],
    ];
    for (const [what, options, field] of cases) {
      it(what, () => {
        const e = configError(options);
        expect(e.field).to.equal(field);
        expect(e.message).to.contain(`\`${field}\``);
        expect(e.message).to.contain('Example of a correct value');
        expect(e.code).to.equal('OTELKIT_CONFIG');
      });
    }
    it('suggests the right spelling for a near miss', () => {
      expect(configError({ servicename: 'x' }).message).to.contain('serviceName');
    });
  });
});
