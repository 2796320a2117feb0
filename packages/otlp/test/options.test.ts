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
      tls: undefined,
      insecure: false,
      temporalityPreference: 'cumulative',
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

  it('malformed endpoint, timeout, headers, insecure: one warning each, then the spec default', () => {
    const d = captureDiag();
    try {
      const r = resolveOtlpMetricsOptions({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
        OTEL_EXPORTER_OTLP_TIMEOUT: '10s',
        OTEL_EXPORTER_OTLP_HEADERS: 'good=1,novalue,=x,bad%=%zz',
        OTEL_EXPORTER_OTLP_INSECURE: 'yes',
      });
      expect(r).to.deep.include({ url: 'http://localhost:4318/v1/metrics', timeoutMillis: 10_000, protocol: 'http/protobuf', compression: 'none', headers: { good: '1' }, insecure: false });
      expect(d.messages).to.have.length(4);
      for (const v of ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TIMEOUT', 'OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_INSECURE']) {
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

  it('grpc (metrics and traces): every endpoint used as is, default http://localhost:4317, no warning', () => {
    expect(resolveOtlpOptions('metrics', { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }).options).to.include({ protocol: 'grpc', url: 'http://localhost:4317' });
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' };
    expect(resolveOtlpOptions('metrics', env).options).to.include({ protocol: 'grpc', url: 'http://c:4317' });
    expect(resolveOtlpOptions('metrics', env, { endpoint: 'http://o:4317' }).options.url).to.equal('http://o:4317');
    const seen: string[] = [];
    expect(resolveOtlpOptions('traces', env, {}, (v) => seen.push(v)).options).to.include({ protocol: 'grpc', url: 'http://c:4317' });
    expect(resolveOtlpOptions('traces', { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc' }, {}, (v) => seen.push(v)).options).to.include({ protocol: 'grpc', url: 'http://localhost:4317' });
    expect(resolveOtlpOptions('metrics', { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc' }).options.protocol).to.equal('http/protobuf');
    expect(seen).to.deep.equal([]);
  });

  it('grpc: host:port is TLS unless OTEL_EXPORTER_OTLP_INSECURE (per signal over generic) says plaintext', () => {
    const base = { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4317' };
    expect(resolveOtlpOptions('traces', base).options.url).to.equal('https://collector:4317');
    expect(resolveOtlpOptions('traces', { ...base, OTEL_EXPORTER_OTLP_INSECURE: 'TRUE' }).options).to.include({ url: 'http://collector:4317', insecure: true });
    expect(resolveOtlpOptions('metrics', { ...base, OTEL_EXPORTER_OTLP_INSECURE: 'true', OTEL_EXPORTER_OTLP_METRICS_INSECURE: 'false' }).options.url).to.equal('https://collector:4317');
    // A scheme says it itself: insecure does not turn https into plaintext.
    expect(resolveOtlpOptions('metrics', { ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'https://c:4317', OTEL_EXPORTER_OTLP_INSECURE: 'true' }).options.url).to.equal('https://c:4317');
    expect(resolveOtlpOptions('metrics', base, { insecure: true }).options.url).to.equal('http://collector:4317');
  });

  it('an unknown protocol, compression or temporality preference is an OtlpConfigError naming the variable and the valid values', () => {
    const cases: Array<[Record<string, string>, string, string]> = [
      [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'thrift' }, 'OTEL_EXPORTER_OTLP_PROTOCOL', 'grpc, http/protobuf or http/json'],
      [{ OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'grpc-web' }, 'OTEL_EXPORTER_OTLP_METRICS_PROTOCOL', 'grpc, http/protobuf or http/json'],
      [{ OTEL_EXPORTER_OTLP_COMPRESSION: 'brotli' }, 'OTEL_EXPORTER_OTLP_COMPRESSION', 'gzip or none'],
      [{ OTEL_EXPORTER_OTLP_METRICS_COMPRESSION: 'zstd' }, 'OTEL_EXPORTER_OTLP_METRICS_COMPRESSION', 'gzip or none'],
      [{ OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'deltas' }, 'OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE', 'cumulative, delta or lowmemory'],
    ];
    for (const [env, field, example] of cases) {
      expect(() => resolveOtlpOptions('metrics', env), field).to.throw(OtlpConfigError).that.deep.includes({ field, example });
    }
    // The traces resolver does not read the metrics-only variable.
    expect(resolveOtlpOptions('traces', { OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'deltas' }).options.temporalityPreference).to.equal('cumulative');
    expect(() => new OTLPMetricExporter({ temporalityPreference: 'sometimes' as never })).to.throw(OtlpConfigError).that.deep.includes({ field: 'temporalityPreference' });
  });

  it('temporality preference: case-insensitive, cumulative by default', () => {
    expect(resolveOtlpMetricsOptions({ OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'Delta' }).temporalityPreference).to.equal('delta');
    expect(resolveOtlpMetricsOptions({ OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'LOWMEMORY' }).temporalityPreference).to.equal('lowmemory');
    expect(resolveOtlpMetricsOptions({}, { temporalityPreference: 'delta' }).temporalityPreference).to.equal('delta');
  });

  it('warnings go to the given sink, once per variable', () => {
    const seen: string[] = [];
    resolveOtlpOptions('metrics', { OTEL_EXPORTER_OTLP_HEADERS: 'a=1,bad,=x', OTEL_EXPORTER_OTLP_TIMEOUT: 'x' }, {}, (v) => seen.push(v));
    expect(seen.sort()).to.deep.equal(['OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_TIMEOUT']);
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
