import { diag } from '@opentelemetry/api';
import { OtlpConfigError } from './errors.js';
import type { OtlpCompression, OtlpProtocol } from './otlp-types.js';
import { retryPolicy, type RetryPolicy } from './retry-policy.js';
import { DEFAULT_GRPC_ENDPOINT, parseGrpcEndpoint } from './grpc-endpoint.js';
import { TEMPORALITY_PREFERENCES, type TemporalityPreference } from './temporality-preference.js';
import { loadOtlpTls, type OtlpTls, type TlsSource } from './tls-settings.js';

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
  /**
   * PEM file of the CA certificate(s) trusted for the receiver's certificate, instead of Node's
   * trust store (`OTEL_EXPORTER_OTLP_CERTIFICATE`). Read at construction.
   */
  readonly certificateFile?: string;
  /** PEM file of the client certificate for mTLS (`OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE`); needs `clientKeyFile`. */
  readonly clientCertificateFile?: string;
  /** PEM file of the client certificate's private key (`OTEL_EXPORTER_OTLP_CLIENT_KEY`). */
  readonly clientKeyFile?: string;
  /**
   * The same three as PEM text (e.g. from a secret store); a field here wins over its `*File`.
   * `ca` replaces Node's trust store; `cert` and `key` go together.
   */
  readonly tls?: { readonly ca?: string | Buffer; readonly cert?: string | Buffer; readonly key?: string | Buffer };
  /**
   * OTLP/gRPC, endpoint without a scheme (`collector:4317`) only: plaintext when true, TLS when
   * false (`OTEL_EXPORTER_OTLP_INSECURE`). Default false. An `http://` / `https://` endpoint says it itself.
   */
  readonly insecure?: boolean;
  /**
   * Metrics only: `cumulative` (default), `delta` or `lowmemory`
   * (`OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`); see temporality-preference.ts.
   */
  readonly temporalityPreference?: TemporalityPreference;
}

/** Options with every default filled in and validated. */
export interface ResolvedOtlpMetricsOptions {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly protocol: OtlpProtocol;
  readonly timeoutMillis: number;
  readonly compression: OtlpCompression;
  readonly retry: RetryPolicy;
  /** PEM texts read from the certificate settings; undefined when none is set. */
  readonly tls: OtlpTls | undefined;
  readonly insecure: boolean;
  readonly temporalityPreference: TemporalityPreference;
}

// https://opentelemetry.io/docs/specs/otel/protocol/exporter/#configuration-options
export const DEFAULT_METRICS_URL = 'http://localhost:4318/v1/metrics';
export const DEFAULT_TIMEOUT_MILLIS = 10_000;
const PROTOCOLS: readonly string[] = ['http/protobuf', 'http/json', 'grpc'];
const COMPRESSIONS: readonly string[] = ['gzip', 'none'];

/**
 * Validates programmatic options and fills in defaults. Throws {@link OtlpConfigError} naming
 * the field for a value that cannot work.
 */
export function validateOtlpMetricsOptions(options: OtlpMetricsOptions = {}): ResolvedOtlpMetricsOptions {
  const protocol = options.protocol ?? 'http/protobuf';
  if (!PROTOCOLS.includes(protocol)) {
    throw new OtlpConfigError('protocol', `"${String(protocol)}" is not supported`, "'http/protobuf', 'http/json' or 'grpc'");
  }
  if (options.insecure !== undefined && typeof options.insecure !== 'boolean') {
    throw new OtlpConfigError('insecure', `expected true or false, got ${JSON.stringify(options.insecure)}`, 'insecure: true');
  }
  const insecure = options.insecure ?? false;
  let url = options.url ?? (protocol === 'grpc' ? DEFAULT_GRPC_ENDPOINT : DEFAULT_METRICS_URL);
  // OTLP/gRPC also takes `host:port` (TLS unless `insecure`): normalized to its http(s) form here.
  if (protocol === 'grpc') url = parseGrpcEndpoint(url, insecure, 'url').url;
  if (!isHttpUrl(url)) throw new OtlpConfigError('url', `"${url}" is not an http(s) URL`, DEFAULT_METRICS_URL);
  const timeoutMillis = options.timeoutMillis ?? DEFAULT_TIMEOUT_MILLIS;
  if (!(Number.isFinite(timeoutMillis) && timeoutMillis > 0)) {
    throw new OtlpConfigError('timeoutMillis', `${String(timeoutMillis)} is not a positive number of milliseconds`, '10000');
  }
  const compression = options.compression ?? 'none';
  if (!COMPRESSIONS.includes(compression)) throw new OtlpConfigError('compression', `"${String(compression)}" is not supported`, "'gzip' or 'none'");
  const temporalityPreference = options.temporalityPreference ?? 'cumulative';
  if (!TEMPORALITY_PREFERENCES.includes(temporalityPreference)) {
    throw new OtlpConfigError('temporalityPreference', `"${String(temporalityPreference)}" is not supported`, "'cumulative', 'delta' or 'lowmemory'");
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(options.headers ?? {})) {
    if (typeof v !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k) || /[\r\n]/.test(v)) {
      throw new OtlpConfigError(`headers.${k}`, 'header names must be HTTP tokens and values strings without CR/LF', "{ authorization: 'Bearer abc' }");
    }
    headers[k] = v;
  }
  const t = options.tls;
  const source = (pem: string | Buffer | undefined, pemField: string, file: string | undefined, fileField: string): TlsSource | undefined =>
    pem !== undefined ? { pem, field: pemField } : file !== undefined ? { file, field: fileField } : undefined;
  const tls = loadOtlpTls(
    source(t?.ca, 'tls.ca', options.certificateFile, 'certificateFile'),
    source(t?.cert, 'tls.cert', options.clientCertificateFile, 'clientCertificateFile'),
    source(t?.key, 'tls.key', options.clientKeyFile, 'clientKeyFile'),
  );
  return Object.freeze({ url, headers: Object.freeze(headers), protocol, timeoutMillis, compression, retry: retryPolicy(options.retry), tls, insecure, temporalityPreference });
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

/** An OTLP signal: the variables and the URL path it reads. */
export type OtlpSignal = 'metrics' | 'traces';

/**
 * Receives each configuration warning once per variable: `variable` is the `OTEL_*` name, `message`
 * the whole sentence. Default: `diag.warn(message)`.
 */
export type OtlpConfigWarn = (variable: string, message: string) => void;

/** Programmatic settings of one signal, each winning over its variable. */
export interface OtlpSignalOverrides extends OtlpMetricsOptions {
  /** Base URL (as `OTEL_EXPORTER_OTLP_ENDPOINT`): `v1/<signal>` is appended. `url` wins over it. */
  readonly endpoint?: string;
}

/** {@link resolveOtlpOptions}' answer. */
export interface ResolvedOtlpSignal {
  readonly options: ResolvedOtlpMetricsOptions;
  /**
   * True when an endpoint was given (override or variable) rather than defaulted:
   * `initTelemetry()` turns OTLP export on by default only then.
   */
  readonly configured: boolean;
}

function envValue(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v === undefined || v === '' ? undefined : v;
}

function shown(value: string): string {
  return JSON.stringify(value.length > 200 ? value.slice(0, 200) + '…' : value);
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Parses `k=v,k2=v2` (values URL-decoded, W3C Baggage style). A malformed member is skipped and
 * the rest kept, with one warning per variable: the spec's "ignore the malformed entry" reading
 * (https://opentelemetry.io/docs/specs/otel/protocol/exporter/#specifying-headers-via-environment-variables),
 * not the resource attributes' "discard the whole list".
 */
export function parseOtlpHeaders(value: string, variable: string, warn: OtlpConfigWarn = (_v, m) => diag.warn(m)): Record<string, string> {
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
    if (key === '' || val === undefined || !HEADER_NAME.test(key) || /[\r\n]/.test(val)) {
      bad++;
      continue;
    }
    out[key] = val;
  }
  if (bad > 0) {
    warn(variable, `otelkit: ignoring ${bad} malformed entr${bad === 1 ? 'y' : 'ies'} of ${variable}=${shown(value)}: expected key=value pairs separated by commas, e.g. "api-key=abc,tenant=t1"; the other entries are used`);
  }
  return out;
}

/**
 * THE resolver of OTLP exporter settings — `initTelemetry()` and {@link resolveOtlpMetricsOptions}
 * both call it, for metrics and for traces. Spec precedence
 * (https://opentelemetry.io/docs/specs/otel/protocol/exporter/): override > per-signal variable >
 * generic variable > default. The per-signal endpoint is used as-is; the generic one (and the
 * `endpoint` override) get `v1/<signal>` appended (OTLP/HTTP only; gRPC uses every endpoint as is).
 * Headers merge generic, per-signal, overrides. Enumerations are case-insensitive.
 *
 * What cannot work throws {@link OtlpConfigError} naming the variable and a valid value: an
 * unknown protocol, compression or temporality preference, a certificate file that cannot be
 * read or is not PEM, a client key without its certificate. (**Deviation**: the spec lets an SDK
 * ignore a bad value with a warning; a service told to use TLS, gzip or gRPC that silently does
 * something else — plaintext to a TLS-only receiver, HTTP to a gRPC-only port — exports nothing,
 * so otelkit refuses to start instead.) A malformed endpoint, timeout, header entry or insecure
 * flag costs one warning and the default applies; a malformed override throws.
 */
export function resolveOtlpOptions(signal: OtlpSignal, env: Env = process.env, overrides: OtlpSignalOverrides = {}, warn?: OtlpConfigWarn): ResolvedOtlpSignal {
  const warned = new Set<string>();
  const say: OtlpConfigWarn = (variable, message) => {
    if (warned.has(variable)) return;
    warned.add(variable);
    (warn ?? ((_v: string, m: string) => diag.warn(m)))(variable, message);
  };
  const malformed = (variable: string, value: string, expected: string, fallback: string): void =>
    say(variable, `otelkit: ignoring ${variable}=${shown(value)}: expected ${expected}; using ${fallback}`);
  const upper = signal.toUpperCase();
  const fromEnv: { -readonly [K in keyof OtlpMetricsOptions]: OtlpMetricsOptions[K] } = {};

  const [protocolVar, protocol] = pick(env, upper, 'PROTOCOL');
  if (protocol !== undefined) {
    const p = protocol.toLowerCase();
    if (!PROTOCOLS.includes(p)) throw new OtlpConfigError(protocolVar, `${shown(protocol)} is not an OTLP protocol`, 'grpc, http/protobuf or http/json');
    fromEnv.protocol = p as OtlpProtocol;
  }
  const grpc = (overrides.protocol ?? fromEnv.protocol) === 'grpc';

  const [insecureVar, insecureRaw] = pick(env, upper, 'INSECURE');
  if (insecureRaw !== undefined) {
    // https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/#boolean-value
    const v = insecureRaw.toLowerCase();
    if (v === 'true') fromEnv.insecure = true;
    else if (v !== 'false') malformed(insecureVar, insecureRaw, 'true or false', 'false');
  }
  const insecure = overrides.insecure ?? fromEnv.insecure ?? false;

  // https://opentelemetry.io/docs/specs/otel/protocol/exporter/#endpoint-urls-for-otlphttp: only
  // OTLP/HTTP appends `v1/<signal>` to the generic endpoint; gRPC uses every endpoint as is (port
  // 4317), and also takes `host:port` (TLS unless OTEL_EXPORTER_OTLP_INSECURE=true).
  const defaultUrl = grpc ? DEFAULT_GRPC_ENDPOINT : `http://localhost:4318/v1/${signal}`;
  const appendPath = (base: string): string => (grpc ? base : `${base.replace(/\/+$/, '')}/v1/${signal}`);
  const endpointUrl = (v: string): string | undefined => {
    if (!grpc) return isHttpUrl(v) ? v : undefined;
    try {
      return parseGrpcEndpoint(v, insecure).url;
    } catch {
      return undefined;
    }
  };

  const signalVar = `OTEL_EXPORTER_OTLP_${upper}_ENDPOINT`;
  const signalEndpoint = envValue(env, signalVar);
  const genericEndpoint = envValue(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  const endpointHint = grpc ? 'an http:// or https:// URL, or host:port, such as http://localhost:4317' : 'an absolute http:// or https:// URL such as http://localhost:4318';
  const validSignal = signalEndpoint === undefined ? undefined : endpointUrl(signalEndpoint);
  const validGeneric = genericEndpoint === undefined ? undefined : endpointUrl(genericEndpoint);
  if (signalEndpoint !== undefined && validSignal === undefined) malformed(signalVar, signalEndpoint, endpointHint, defaultUrl);
  if (genericEndpoint !== undefined && validGeneric === undefined) malformed('OTEL_EXPORTER_OTLP_ENDPOINT', genericEndpoint, endpointHint, defaultUrl);
  if (validSignal !== undefined) fromEnv.url = validSignal;
  else if (validGeneric !== undefined) fromEnv.url = appendPath(validGeneric);
  const configured = overrides.url !== undefined || overrides.endpoint !== undefined || validSignal !== undefined || validGeneric !== undefined;

  const headers = {
    ...parseOtlpHeaders(envValue(env, 'OTEL_EXPORTER_OTLP_HEADERS') ?? '', 'OTEL_EXPORTER_OTLP_HEADERS', say),
    ...parseOtlpHeaders(envValue(env, `OTEL_EXPORTER_OTLP_${upper}_HEADERS`) ?? '', `OTEL_EXPORTER_OTLP_${upper}_HEADERS`, say),
  };

  const [timeoutVar, timeout] = pick(env, upper, 'TIMEOUT');
  if (timeout !== undefined) {
    const n = Number(timeout);
    if (/^\d+(\.\d+)?$/.test(timeout) && n > 0) fromEnv.timeoutMillis = n;
    else malformed(timeoutVar, timeout, 'a positive number of milliseconds', String(DEFAULT_TIMEOUT_MILLIS));
  }

  const [compressionVar, compression] = pick(env, upper, 'COMPRESSION');
  if (compression !== undefined) {
    const c = compression.toLowerCase();
    if (!COMPRESSIONS.includes(c)) throw new OtlpConfigError(compressionVar, `${shown(compression)} is not an OTLP compression`, 'gzip or none');
    fromEnv.compression = c as OtlpCompression;
  }

  if (signal === 'metrics') {
    // https://opentelemetry.io/docs/specs/otel/metrics/sdk_exporters/otlp/#additional-environment-variable-configuration
    const name = 'OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE';
    const temporality = envValue(env, name);
    if (temporality !== undefined) {
      const t = temporality.toLowerCase();
      if (!TEMPORALITY_PREFERENCES.includes(t)) throw new OtlpConfigError(name, `${shown(temporality)} is not a temporality preference`, 'cumulative, delta or lowmemory');
      fromEnv.temporalityPreference = t as TemporalityPreference;
    }
  }

  // TLS: each input on its own, override > per-signal variable > generic variable.
  const { endpoint, certificateFile, clientCertificateFile, clientKeyFile, tls: tlsOverride, ...rest } = definedOnly(overrides);
  const tlsInput = (pem: string | Buffer | undefined, pemField: string, file: string | undefined, fileField: string, suffix: string): TlsSource | undefined => {
    if (pem !== undefined) return { pem, field: pemField };
    if (file !== undefined) return { file, field: fileField };
    const [variable, path] = pick(env, upper, suffix);
    // Unset: still named, so that "the key is set, the certificate is missing" names the variable.
    return path === undefined ? { field: variable } : { file: path, field: variable };
  };
  const tlsSources = [
    tlsInput(tlsOverride?.ca, 'tls.ca', certificateFile, 'certificateFile', 'CERTIFICATE'),
    tlsInput(tlsOverride?.cert, 'tls.cert', clientCertificateFile, 'clientCertificateFile', 'CLIENT_CERTIFICATE'),
    tlsInput(tlsOverride?.key, 'tls.key', clientKeyFile, 'clientKeyFile', 'CLIENT_KEY'),
  ] as const;
  const tls = loadOtlpTls(...tlsSources);

  let url = rest.url;
  if (url === undefined && endpoint !== undefined) {
    if (grpc) url = endpoint;
    else if (!isHttpUrl(endpoint)) throw new OtlpConfigError('endpoint', `"${endpoint}" is not an http(s) URL`, 'http://localhost:4318');
    else url = appendPath(endpoint);
  }
  const options = validateOtlpMetricsOptions({
    ...fromEnv,
    ...rest,
    url: url ?? fromEnv.url ?? defaultUrl,
    headers: { ...headers, ...(overrides.headers ?? {}) },
    insecure,
    ...(tls === undefined ? {} : { tls }),
  });
  if (tls !== undefined && options.url.startsWith('http:')) {
    const fields = tlsSources.filter((t) => t !== undefined && (t.file !== undefined || t.pem !== undefined)).map((t) => t!.field).join(', ');
    say(fields, `otelkit: ${fields} set, but the OTLP ${signal} endpoint ${options.url} is plaintext (http://); the certificates are not used — use an https:// endpoint${grpc ? ' (or host:port without OTEL_EXPORTER_OTLP_INSECURE=true)' : ''} for TLS`);
  }
  return { options, configured };
}

/**
 * The metrics exporter's options from `OTEL_EXPORTER_OTLP_*` variables and programmatic
 * overrides: {@link resolveOtlpOptions} for the metrics signal.
 *
 * @example
 * const exporter = new OTLPMetricExporter(resolveOtlpMetricsOptions(process.env, { compression: 'gzip' }));
 */
export function resolveOtlpMetricsOptions(env: Env = process.env, overrides: OtlpMetricsOptions = {}): ResolvedOtlpMetricsOptions {
  return resolveOtlpOptions('metrics', env, overrides).options;
}

function pick(env: Env, upper: string, suffix: string): [string, string | undefined] {
  const signal = `OTEL_EXPORTER_OTLP_${upper}_${suffix}`;
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
