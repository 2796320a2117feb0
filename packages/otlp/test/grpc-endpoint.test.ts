import { expect } from 'chai';
import { DEFAULT_GRPC_ENDPOINT, grpcEndpointFromEnv, OtlpConfigError, parseGrpcEndpoint } from '../src/index.js';
import { captureDiag } from './fixtures.js';

describe('OTLP/gRPC endpoint (https://opentelemetry.io/docs/specs/otel/protocol/exporter/#configuration-options)', () => {
  it('the default is http://localhost:4317, plaintext', () => {
    expect(DEFAULT_GRPC_ENDPOINT).to.equal('http://localhost:4317');
    expect(parseGrpcEndpoint(DEFAULT_GRPC_ENDPOINT)).to.deep.equal({ target: 'localhost:4317', secure: false, url: 'http://localhost:4317' });
  });

  it('http:// is plaintext and https:// is TLS whatever insecure says; a path is dropped', () => {
    expect(parseGrpcEndpoint('http://collector:4317/v1/metrics', false)).to.deep.equal({ target: 'collector:4317', secure: false, url: 'http://collector:4317' });
    expect(parseGrpcEndpoint('https://collector:4317', true)).to.deep.equal({ target: 'collector:4317', secure: true, url: 'https://collector:4317' });
    expect(parseGrpcEndpoint('HTTPS://Collector.example')).to.deep.include({ target: 'collector.example:443', secure: true });
    expect(parseGrpcEndpoint('http://[::1]:4317')).to.deep.include({ target: '[::1]:4317', secure: false });
  });

  it('without a scheme, OTEL_EXPORTER_OTLP_INSECURE decides (TLS by default)', () => {
    expect(parseGrpcEndpoint('collector:4317')).to.deep.equal({ target: 'collector:4317', secure: true, url: 'https://collector:4317' });
    expect(parseGrpcEndpoint('collector:4317', true)).to.deep.equal({ target: 'collector:4317', secure: false, url: 'http://collector:4317' });
  });

  it('other schemes and non-URLs are configuration errors naming the field', () => {
    expect(() => parseGrpcEndpoint('unix:///run/otel.sock')).to.throw(OtlpConfigError, /^endpoint: .*scheme unix/);
    expect(() => parseGrpcEndpoint('http://', false, 'OTEL_EXPORTER_OTLP_ENDPOINT')).to.throw(OtlpConfigError, /^OTEL_EXPORTER_OTLP_ENDPOINT: /);
  });

  it('from the environment: per-signal over generic over default, used as is (no /v1/metrics)', () => {
    expect(grpcEndpointFromEnv({})).to.deep.equal({ endpoint: 'http://localhost:4317', insecure: false });
    expect(grpcEndpointFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://gen:4317' }).endpoint).to.equal('http://gen:4317');
    expect(grpcEndpointFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://gen:4317', OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'sig:4317' }).endpoint).to.equal('sig:4317');
    expect(grpcEndpointFromEnv({ OTEL_EXPORTER_OTLP_INSECURE: 'TRUE' }).insecure).to.equal(true);
    expect(grpcEndpointFromEnv({ OTEL_EXPORTER_OTLP_INSECURE: 'true', OTEL_EXPORTER_OTLP_METRICS_INSECURE: 'false' }).insecure).to.equal(false);
  });

  it('an insecure value that is not a boolean: one warning, false', () => {
    const logs = captureDiag();
    try {
      expect(grpcEndpointFromEnv({ OTEL_EXPORTER_OTLP_INSECURE: 'yes' }).insecure).to.equal(false);
      expect(logs.messages).to.deep.equal(['OTEL_EXPORTER_OTLP_INSECURE: "yes" is not true or false; using false']);
    } finally {
      logs.restore();
    }
  });
});
