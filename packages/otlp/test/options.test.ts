import { expect } from 'chai';
import { ConfigError } from '@otelkit/metrics';
import { OTLPMetricExporter, OtlpConfigError, parseOtlpHeaders, resolveOtlpMetricsOptions, resolveOtlpOptions, DEFAULT_RETRY_POLICY } from '../src/index.js';
import { captureDiag } from './fixtures.js';

describe('resolveOtlpMetricsOptions (https://opentelemetry.io/docs/specs/otel/protocol/exporter/)', () => {
  it('defaults: localhost:4318/v1/metrics, http/protobuf, 10 s, no compression, no headers', () => {
    expect(resolveOtlpMetricsOptions({})).to.deep.equal({
      url: 'http://localhost:4318/v1/metrics',
      headers: {},
      protocol: 'http/protobuf',
      timeoutMillis: 10_000,
      compression: 'none',
      retry: DEFAULT_RETRY_POLICY,
    });
  });

  it('the generic endpoint gets /v1/metrics appended (path kept, one slash); the per-signal one is used as-is', () => {
    expect(resolveOtlpMetricsOptions({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).url).to.equal('http://collector:4318/v1/metrics');
    expect(resolveOtlpMetricsOptions({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://gw.example/otlp/' }).url).to.equal('https://gw.example/otlp/v1/metrics');
    expect(resolveOtlpMetricsOptions({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://metrics:9000/custom',
    }).url).to.equal('http://metrics:9000/custom');
    expect(resolveOtlpMetricsOptions({ OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://metrics:9000' }).url).to.equal('http://metrics:9000');
  });

  it('per-signal variables beat generic ones, overrides beat both', () => {
    const env = {
      OTEL_EXPORTER_OTLP_TIMEOUT: '3000',
      OTEL_EXPORTER_OTLP_METRICS_TIMEOUT: '4000',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
      OTEL_EXPORTER_OTLP_METRICS_COMPRESSION: 'none',
    };
    expect(resolveOtlpMetricsOptions(env)).to.include({ timeoutMillis: 4000, protocol: 'http/json', compression: 'none' });
    expect(resolveOtlpMetricsOptions(env, { timeoutMillis: 500, protocol: 'http/protobuf', url: 'http://x:1/v1/metrics' }))
      .to.include({ timeoutMillis: 500, protocol: 'http/protobuf', url: 'http://x:1/v1/metrics' });
  });

  it('headers: k=v pairs, URL-decoded, per-signal keys override generic ones, overrides win', () => {
    const r = resolveOtlpMetricsOptions(
      { OTEL_EXPORTER_OTLP_HEADERS: 'api-key=abc%20def, tenant=t1', OTEL_EXPORTER_OTLP_METRICS_HEADERS: 'tenant=t2,x=%3D%2C' },
      { headers: { authorization: 'Bearer z' } },
    );
    expect(r.headers).to.deep.equal({ 'api-key': 'abc def', tenant: 't2', x: '=,', authorization: 'Bearer z' });
  });

  it('malformed variables: one warning each, then the spec default', () => {
    const d = captureDiag();
    try {
      const r = resolveOtlpMetricsOptions({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
        OTEL_EXPORTER_OTLP_TIMEOUT: '10s',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'thrift',
        OTEL_EXPORTER_OTLP_COMPRESSION: 'brotli',
        OTEL_EXPORTER_OTLP_HEADERS: 'good=1,novalue,=x,bad%=%zz',
        OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'delta',
      });
      expect(r).to.deep.include({ url: 'http://localhost:4318/v1/metrics', timeoutMillis: 10_000, protocol: 'http/protobuf', compression: 'none', headers: { good: '1' } });
      expect(d.messages).to.have.length(6);
      for (const v of ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TIMEOUT', 'OTEL_EXPORTER_OTLP_PROTOCOL', 'OTEL_EXPORTER_OTLP_COMPRESSION', 'OTEL_EXPORTER_OTLP_HEADERS', 'TEMPORALITY_PREFERENCE']) {
        expect(d.messages.filter((m) => m.includes(v)), v).to.have.length(1);
      }
    } finally {
      d.restore();
    }
  });

  it('empty variables count as unset', () => {
    expect(resolveOtlpMetricsOptions({ OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: '', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }).url).to.equal('http://c:4318/v1/metrics');
  });

  it('resolveOtlpOptions serves every signal with the same rules (initTelemetry() calls it for metrics and traces)', () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'HTTP/JSON' };
    const t = resolveOtlpOptions('traces', env);
    expect(t.configured).to.equal(true);
    expect(t.options).to.include({ url: 'http://c:4318/v1/traces', protocol: 'http/json' });
    expect(resolveOtlpOptions('metrics', env).options).to.include({ url: 'http://c:4318/v1/metrics', protocol: 'http/protobuf' });
    expect(resolveOtlpOptions('metrics', {}).configured).to.equal(false);
    // The `endpoint` override gets the signal path; `url` wins over it.
    expect(resolveOtlpOptions('traces', env, { endpoint: 'http://o:1' }).options.url).to.equal('http://o:1/v1/traces');
    expect(resolveOtlpOptions('traces', env, { endpoint: 'http://o:1', url: 'http://u:2/x' }).options.url).to.equal('http://u:2/x');
  });

  it('grpc (metrics): every endpoint used as is, default http://localhost:4317; traces fall back to http/protobuf with one warning', () => {
    expect(resolveOtlpOptions('metrics', { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }).options).to.include({ protocol: 'grpc', url: 'http://localhost:4317' });
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' };
    expect(resolveOtlpOptions('metrics', env).options).to.include({ protocol: 'grpc', url: 'http://c:4317' });
    expect(resolveOtlpOptions('metrics', env, { endpoint: 'http://o:4317' }).options.url).to.equal('http://o:4317');
    const seen: string[] = [];
    expect(resolveOtlpOptions('traces', env, {}, (v) => seen.push(v)).options).to.include({ protocol: 'http/protobuf', url: 'http://c:4317/v1/traces' });
    expect(seen).to.deep.equal(['OTEL_EXPORTER_OTLP_PROTOCOL']);
  });

  it('warnings go to the given sink, once per variable', () => {
    const seen: string[] = [];
    resolveOtlpOptions('metrics', { OTEL_EXPORTER_OTLP_HEADERS: 'a=1,bad,=x', OTEL_EXPORTER_OTLP_PROTOCOL: 'thrift' }, {}, (v) => seen.push(v));
    expect(seen.sort()).to.deep.equal(['OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_PROTOCOL']);
  });

  it('OtlpConfigError is a ConfigError carrying field, problem and example', () => {
    try {
      new OTLPMetricExporter({ url: 'nope' });
      expect.fail('no error');
    } catch (e) {
      expect(e).to.be.instanceOf(ConfigError);
      expect(e).to.deep.include({ field: 'url', example: 'http://localhost:4318/v1/metrics' });
    }
  });

  it('parseOtlpHeaders keeps = inside values', () => {
    expect(parseOtlpHeaders('a=b=c', 'X')).to.deep.equal({ a: 'b=c' });
  });
});

describe('OTLPMetricExporter configuration errors', () => {
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ url: 'localhost:4318/v1/metrics' }, /^url: .*example of a valid value: http:\/\/localhost:4318\/v1\/metrics/],
    [{ url: 'ftp://x/v1/metrics' }, /^url:/],
    [{ protocol: 'http/xml' }, /^protocol: .*'http\/protobuf', 'http\/json' or 'grpc'/],
    [{ timeoutMillis: 0 }, /^timeoutMillis:/],
    [{ timeoutMillis: Number.NaN }, /^timeoutMillis:/],
    [{ compression: 'br' }, /^compression:/],
    [{ headers: { 'bad header': 'x' } }, /^headers\.bad header:/],
    [{ headers: { ok: 'a\r\nInjected: 1' } }, /^headers\.ok:/],
    [{ retry: { multiplier: 0.5 } }, /^retry\.multiplier:/],
    [{ retry: { maxAttempts: 0 } }, /^retry\.maxAttempts:/],
  ];
  for (const [options, message] of bad) {
    it(`throws OtlpConfigError for ${JSON.stringify(options)}`, () => {
      expect(() => new OTLPMetricExporter(options as never)).to.throw(OtlpConfigError, message);
    });
  }
});
