import { diag } from '@opentelemetry/api';
import { OtlpConfigError } from './errors.js';
import type { OtlpCompression, OtlpProtocol } from './otlp-types.js';
import { retryPolicy, type RetryPolicy } from './retry-policy.js';

/** Options of {@link OTLPMetricExporter}. Every field has the OTLP exporter spec default. */
export interface OtlpMetricsOptions {
  /** Full URL of the metrics endpoint. Default `http://localhost:4318/v1/metrics`. */
  readonly url?: string;
  /** Extra request headers (e.g. `{ authorization: 'Bearer …' }`). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Default `http/protobuf`. */
  readonly protocol?: OtlpProtocol;
  /** Budget of one export, retries and backoff included. Default 10000. */
  readonly timeoutMillis?: number;
  /** Default `none`. */
  readonly compression?: OtlpCompression;
  /** Backoff between retries; see {@link RetryPolicy}. */
  readonly retry?: Partial<RetryPolicy>;
}

/** Options with every default filled in and validated. */
export interface ResolvedOtlpMetricsOptions {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly protocol: OtlpProtocol;
  readonly timeoutMillis: number;
  readonly compression: OtlpCompression;
  readonly retry: RetryPolicy;
}

// https://opentelemetry.io/docs/specs/otel/protocol/exporter/#configuration-options
export const DEFAULT_METRICS_URL = 'http://localhost:4318/v1/metrics';
export const DEFAULT_TIMEOUT_MILLIS = 10_000;
const PROTOCOLS: readonly string[] = ['http/protobuf', 'http/json'];
const COMPRESSIONS: readonly string[] = ['gzip', 'none'];

/**
 * Validates programmatic options and fills in defaults. Throws {@link OtlpConfigError} naming
 * the field for a value that cannot work.
 */
export function validateOtlpMetricsOptions(options: OtlpMetricsOptions = {}): ResolvedOtlpMetricsOptions {
  const url = options.url ?? DEFAULT_METRICS_URL;
  if (!isHttpUrl(url)) throw new OtlpConfigError('url', `"${url}" is not an http(s) URL`, DEFAULT_METRICS_URL);
  const protocol = options.protocol ?? 'http/protobuf';
  if (!PROTOCOLS.includes(protocol)) {
    throw new OtlpConfigError('protocol', `"${String(protocol)}" is not supported (gRPC is not implemented)`, "'http/protobuf' or 'http/json'");
  }
  const timeoutMillis = options.timeoutMillis ?? DEFAULT_TIMEOUT_MILLIS;
  if (!(Number.isFinite(timeoutMillis) && timeoutMillis > 0)) {
    throw new OtlpConfigError('timeoutMillis', `${String(timeoutMillis)} is not a positive number of milliseconds`, '10000');
  }
  const compression = options.compression ?? 'none';
  if (!COMPRESSIONS.includes(compression)) throw new OtlpConfigError('compression', `"${String(compression)}" is not supported`, "'gzip' or 'none'");
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(options.headers ?? {})) {
    if (typeof v !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k) || /[\r\n]/.test(v)) {
      throw new OtlpConfigError(`headers.${k}`, 'header names must be HTTP tokens and values strings without CR/LF', "{ authorization: 'Bearer abc' }");
    }
    headers[k] = v;
  }
  return Object.freeze({ url, headers: Object.freeze(headers), protocol, timeoutMillis, compression, retry: retryPolicy(options.retry) });
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

type Env = Readonly<Record<string, string | undefined>>;

function envValue(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v === undefined || v === '' ? undefined : v;
}

/**
 * Parses `k=v,k2=v2` (values URL-decoded, W3C Baggage style). Malformed members are skipped
 * with one warning per variable.
 */
export function parseOtlpHeaders(value: string, variable: string): Record<string, string> {
  const out: Record<string, string> = {};
  let bad = 0;
  for (const member of value.split(',')) {
    if (member.trim() === '') continue;
    const eq = member.indexOf('=');
    const key = eq > 0 ? member.slice(0, eq).trim() : '';
    let val: string | undefined;
    if (eq > 0) {
      try {
        val = decodeURIComponent(member.slice(eq + 1).trim());
      } catch {
        val = undefined;
      }
    }
    if (key === '' || val === undefined || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(key) || /[\r\n]/.test(val)) {
      bad++;
      continue;
    }
    out[key] = val;
  }
  if (bad > 0) diag.warn(`${variable}: ignored ${bad} malformed header entr${bad === 1 ? 'y' : 'ies'}; expected key=value pairs separated by commas, e.g. "api-key=abc,tenant=t1"`);
  return out;
}

/**
 * Resolves the exporter options from `OTEL_EXPORTER_OTLP_*` variables and programmatic
 * overrides, with the spec's precedence: overrides > per-signal variable > generic variable >
 * default. The per-signal endpoint is used as-is; the generic one gets `v1/metrics` appended.
 * A malformed variable costs one `diag.warn` and falls back to the default; a malformed
 * override throws {@link OtlpConfigError}.
 * https://opentelemetry.io/docs/specs/otel/protocol/exporter/
 *
 * @example
 * const exporter = new OTLPMetricExporter(resolveOtlpMetricsOptions(process.env, { compression: 'gzip' }));
 */
export function resolveOtlpMetricsOptions(env: Env = process.env, overrides: OtlpMetricsOptions = {}): ResolvedOtlpMetricsOptions {
  const fromEnv: { -readonly [K in keyof OtlpMetricsOptions]: OtlpMetricsOptions[K] } = {};

  const signalEndpoint = envValue(env, 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT');
  const genericEndpoint = envValue(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  if (signalEndpoint !== undefined) {
    if (isHttpUrl(signalEndpoint)) fromEnv.url = signalEndpoint;
    else diag.warn(`OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: "${signalEndpoint}" is not an http(s) URL; using ${DEFAULT_METRICS_URL}`);
  } else if (genericEndpoint !== undefined) {
    if (isHttpUrl(genericEndpoint)) fromEnv.url = `${genericEndpoint.replace(/\/+$/, '')}/v1/metrics`;
    else diag.warn(`OTEL_EXPORTER_OTLP_ENDPOINT: "${genericEndpoint}" is not an http(s) URL; using ${DEFAULT_METRICS_URL}`);
  }

  const headers = {
    ...parseOtlpHeaders(envValue(env, 'OTEL_EXPORTER_OTLP_HEADERS') ?? '', 'OTEL_EXPORTER_OTLP_HEADERS'),
    ...parseOtlpHeaders(envValue(env, 'OTEL_EXPORTER_OTLP_METRICS_HEADERS') ?? '', 'OTEL_EXPORTER_OTLP_METRICS_HEADERS'),
  };
  if (Object.keys(headers).length > 0) fromEnv.headers = headers;

  const [timeoutVar, timeout] = pick(env, 'TIMEOUT');
  if (timeout !== undefined) {
    const n = Number(timeout);
    if (/^\d+(\.\d+)?$/.test(timeout) && n > 0) fromEnv.timeoutMillis = n;
    else diag.warn(`${timeoutVar}: "${timeout}" is not a positive number of milliseconds; using ${DEFAULT_TIMEOUT_MILLIS}`);
  }

  const [protocolVar, protocol] = pick(env, 'PROTOCOL');
  if (protocol !== undefined) {
    if (PROTOCOLS.includes(protocol)) fromEnv.protocol = protocol as OtlpProtocol;
    else diag.warn(`${protocolVar}: "${protocol}" is not supported (http/protobuf, http/json); using http/protobuf`);
  }

  const [compressionVar, compression] = pick(env, 'COMPRESSION');
  if (compression !== undefined) {
    if (COMPRESSIONS.includes(compression)) fromEnv.compression = compression as OtlpCompression;
    else diag.warn(`${compressionVar}: "${compression}" is not supported (gzip, none); using none`);
  }

  const temporality = envValue(env, 'OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE');
  if (temporality !== undefined && temporality.toLowerCase() !== 'cumulative') {
    diag.warn(`OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: "${temporality}" is not supported; otelkit exports cumulative temporality`);
  }

  return validateOtlpMetricsOptions({
    ...fromEnv,
    ...definedOnly(overrides),
    headers: { ...(fromEnv.headers ?? {}), ...(overrides.headers ?? {}) },
  });
}

function pick(env: Env, suffix: string): [string, string | undefined] {
  const signal = `OTEL_EXPORTER_OTLP_METRICS_${suffix}`;
  const v = envValue(env, signal);
  if (v !== undefined) return [signal, v];
  const generic = `OTEL_EXPORTER_OTLP_${suffix}`;
  return [generic, envValue(env, generic)];
}

function definedOnly<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
