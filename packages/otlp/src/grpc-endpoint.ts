import { diag } from '@opentelemetry/api';
import { OtlpConfigError } from './errors.js';

/** https://opentelemetry.io/docs/specs/otel/protocol/exporter/#configuration-options — the gRPC default. */
export const DEFAULT_GRPC_ENDPOINT = 'http://localhost:4317';

/** Where an OTLP/gRPC channel connects, and how. */
export interface GrpcEndpoint {
  /** `host:port` for `@grpc/grpc-js` (an IPv6 host in brackets). */
  readonly target: string;
  /** TLS (Node's trust store unless the transport is given roots) or plaintext HTTP/2. */
  readonly secure: boolean;
  /** The endpoint as a URL with its scheme (`https://collector:4317`), for messages and health. */
  readonly url: string;
}

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/**
 * Reads an OTLP/gRPC endpoint: `http://host:port` is plaintext, `https://host:port` is TLS, and a
 * bare `host:port` is TLS unless `insecure` (`OTEL_EXPORTER_OTLP_INSECURE`, which the spec applies
 * only to an endpoint without a scheme). A path is ignored: gRPC addresses the method
 * (`/opentelemetry.proto.collector.metrics.v1.MetricsService/Export`), not the URL, so the
 * per-signal endpoint is used as is and nothing like `/v1/metrics` is appended.
 * A missing port is the scheme's (80 / 443), as for any URL.
 * https://opentelemetry.io/docs/specs/otel/protocol/exporter/#configuration-options
 * Throws {@link OtlpConfigError} for anything else (`unix:` targets are not supported).
 *
 * @example
 * parseGrpcEndpoint('http://collector:4317') // { target: 'collector:4317', secure: false, url: 'http://collector:4317' }
 */
export function parseGrpcEndpoint(endpoint: string, insecure = false, field = 'endpoint'): GrpcEndpoint {
  const scheme = SCHEME.exec(endpoint)?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== 'http' && scheme !== 'https') {
    throw new OtlpConfigError(field, `"${endpoint}" has scheme ${scheme}:; OTLP/gRPC takes http:// (plaintext) or https:// (TLS)`, DEFAULT_GRPC_ENDPOINT);
  }
  let u: URL;
  try {
    u = new URL(scheme === undefined ? `http://${endpoint}` : endpoint);
  } catch {
    throw new OtlpConfigError(field, `"${endpoint}" is not a URL or host:port`, DEFAULT_GRPC_ENDPOINT);
  }
  if (u.hostname === '') throw new OtlpConfigError(field, `"${endpoint}" has no host`, DEFAULT_GRPC_ENDPOINT);
  const secure = scheme === undefined ? !insecure : scheme === 'https';
  const port = u.port || (scheme === 'http' ? '80' : '443');
  const target = `${u.hostname}:${port}`;
  return { target, secure, url: `${secure ? 'https' : 'http'}://${target}` };
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The gRPC endpoint and `insecure` flag from the environment: per-signal variable over generic
 * over default, both used as is (for gRPC the generic endpoint gets no `/v1/metrics`). A value
 * that is not a boolean costs one `diag.warn` and counts as false (the spec's default).
 * https://opentelemetry.io/docs/specs/otel/protocol/exporter/#endpoint-urls-for-otlphttp (HTTP only appends paths)
 */
export function grpcEndpointFromEnv(env: Env = process.env): { endpoint: string; insecure: boolean } {
  const endpoint = value(env, 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT') ?? value(env, 'OTEL_EXPORTER_OTLP_ENDPOINT') ?? DEFAULT_GRPC_ENDPOINT;
  const name = value(env, 'OTEL_EXPORTER_OTLP_METRICS_INSECURE') !== undefined ? 'OTEL_EXPORTER_OTLP_METRICS_INSECURE' : 'OTEL_EXPORTER_OTLP_INSECURE';
  const raw = value(env, name)?.toLowerCase();
  if (raw !== undefined && raw !== 'true' && raw !== 'false') diag.warn(`${name}: "${raw}" is not true or false; using false`);
  return { endpoint, insecure: raw === 'true' };
}

function value(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v === undefined || v === '' ? undefined : v;
}
