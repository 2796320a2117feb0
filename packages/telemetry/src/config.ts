import { randomUUID } from 'node:crypto';
import type { Attributes } from '@opentelemetry/api';
import { describeValue as describe, EXEMPLAR_FILTERS, isAttributeValue, validBoundaries, type ExemplarFilter } from '@otelkit/metrics';
import { resolveOtlpOptions, type OtlpSignal, type ResolvedOtlpMetricsOptions } from '@otelkit/otlp/options';
import type { MetricsAuthOptions } from '@otelkit/prometheus';
import { EnvReader, isHttpUrl } from './env.js';
import { ConfigError } from './errors.js';
import {
  OPTION_KEYS,
  type MetricsExporterName,
  type PushgatewayOptions,
  type SamplerName,
  type TelemetryOptions,
  type TracesExporterName,
} from './options.js';

const METRICS_EXPORTERS: readonly MetricsExporterName[] = ['prometheus', 'otlp', 'console', 'none'];
const TRACES_EXPORTERS: readonly TracesExporterName[] = ['otlp', 'console', 'none'];
const SAMPLERS: readonly SamplerName[] = [
  'always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio',
];
/** One signal's OTLP exporter settings, as resolved by @otelkit/otlp's `resolveOtlpOptions` (the one resolver). */
export type ResolvedOtlp = ResolvedOtlpMetricsOptions;

export interface ResolvedPrometheus {
  readonly host: string;
  readonly port: number;
  readonly path: string;
  readonly server: boolean;
  readonly auth: MetricsAuthOptions | undefined;
  readonly scopeLabels: boolean;
}

export interface ResolvedConfig {
  readonly disabled: boolean;
  readonly serviceName: string;
  readonly serviceVersion: string | undefined;
  readonly serviceInstanceId: string;
  /** OTEL_RESOURCE_ATTRIBUTES, then options.resourceAttributes on top. */
  readonly resourceAttributes: Attributes;
  readonly metricsExporters: readonly MetricsExporterName[];
  readonly tracesExporters: readonly TracesExporterName[];
  readonly prometheus: ResolvedPrometheus | undefined;
  readonly otlpMetrics: ResolvedOtlp | undefined;
  readonly otlpTraces: ResolvedOtlp | undefined;
  /** Checked again in full by the pusher's constructor (its errors become ConfigErrors). */
  readonly pushgateway: PushgatewayOptions | undefined;
  readonly metricExportIntervalMillis: number;
  readonly metricExportTimeoutMillis: number;
  readonly sampler: SamplerName;
  readonly samplerArg: number;
  readonly exemplarFilter: ExemplarFilter;
  readonly runtimeMetrics: boolean;
  readonly cardinalityLimit: number;
  readonly collectionCycleMillis: number;
  readonly histogramBoundaries: Readonly<Record<string, readonly number[]>>;
  readonly shutdownHooks: boolean;
  readonly shutdownTimeoutMillis: number;
  /** 0: no deadline. */
  readonly terminationGracePeriodMillis: number;
  readonly finalFlushShare: number;
  /** Warnings about malformed environment values (each also logged once through diag). */
  readonly warnings: readonly string[];
}

// ---- option validation (throws ConfigError) ----

function suggest(key: string, allowed: readonly string[]): string {
  const l = key.toLowerCase();
  const close = allowed.find((a) => a.toLowerCase() === l || a.toLowerCase().startsWith(l.slice(0, 4)));
  return close ? `did you mean \`${close}\`?` : `known options: ${allowed.join(', ')}`;
}

/** The hooks of `httpInstrumentation` (instrumentation-http's names). */
const HTTP_HOOKS = ['startIncomingSpanHook', 'startOutgoingSpanHook', 'requestHook', 'responseHook', 'applyCustomAttributesOnSpan'] as const;
/** The fetch() hooks of `httpInstrumentation.fetch` (instrumentation-undici's names). */
const FETCH_HOOKS = ['startSpanHook', 'requestHook', 'responseHook'] as const;
/** instrumentation-http's "require a parent span" flags. */
const REQUIRE_PARENT = ['requireParentforIncomingSpans', 'requireParentforOutgoingSpans'] as const;

/** `{ requestHeaders?, responseHeaders? }`: header-capture lists (instrumentation-http's and -undici's shape). */
function checkHeaderLists(lists: unknown, field: string, example: string): void {
  if (lists === null || typeof lists !== 'object' || Array.isArray(lists)) throw new ConfigError(field, `expected an object, got ${describe(lists)}`, example);
  checkKeys(lists, ['requestHeaders', 'responseHeaders'], `${field}.`, example);
  for (const list of ['requestHeaders', 'responseHeaders'] as const) {
    const names = (lists as Record<string, unknown>)[list];
    if (names !== undefined && !(Array.isArray(names) && names.every((n) => typeof n === 'string' && n !== ''))) {
      throw new ConfigError(`${field}.${list}`, `expected an array of header names, got ${describe(names)}`, example);
    }
  }
}

function checkKeys(obj: object, allowed: readonly string[], prefix: string, example: string): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) throw new ConfigError(`${prefix}${k}`, `unknown option (${suggest(k, allowed)})`, example);
  }
}

function optString(v: unknown, field: string, example: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.trim() === '') throw new ConfigError(field, `expected a non-empty string, got ${describe(v)}`, example);
  return v;
}

function optBool(v: unknown, field: string): boolean | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw new ConfigError(field, `expected true or false, got ${describe(v)}`, `${field.split('.').pop()}: true`);
  return v;
}

function optInt(v: unknown, field: string, min: number, max: number, example: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ConfigError(field, `expected an integer from ${min} to ${max}, got ${describe(v)}`, example);
  }
  return v;
}

function optUrl(v: unknown, field: string, example: string): string | undefined {
  const s = optString(v, field, example);
  if (s !== undefined && !isHttpUrl(s)) throw new ConfigError(field, `expected an absolute http(s) URL, got ${JSON.stringify(s)}`, example);
  return s;
}

function optEnum<T extends string>(v: unknown, field: string, allowed: readonly T[]): T | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !allowed.includes(v as T)) {
    throw new ConfigError(field, `expected one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${describe(v)}`, `${field}: '${allowed[0]}'`);
  }
  return v as T;
}

function optList<T extends string>(v: unknown, field: string, allowed: readonly T[]): T[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) throw new ConfigError(field, `expected an array, got ${describe(v)}`, `${field}: ['${allowed[0]}']`);
  for (const e of v) optEnum(e, `${field}[]`, allowed);
  return [...new Set(v as T[])];
}

function stringRecord(v: unknown, field: string, example: string): Record<string, string> | undefined {
  if (v === undefined) return undefined;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(field, `expected an object, got ${describe(v)}`, example);
  for (const [k, x] of Object.entries(v)) if (typeof x !== 'string') throw new ConfigError(`${field}.${k}`, `expected a string, got ${describe(x)}`, example);
  return v as Record<string, string>;
}

/**
 * Options first, then `OTEL_*` environment variables, then defaults. Invalid options throw a
 * {@link ConfigError}; malformed environment values warn once and fall back to the default.
 */
export function resolveConfig(options: TelemetryOptions = {}, envSource?: Record<string, string | undefined>): ResolvedConfig {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ConfigError('options', `expected an object, got ${describe(options)}`, "initTelemetry({ serviceName: 'checkout' })");
  }
  checkKeys(options, OPTION_KEYS as string[], '', "initTelemetry({ serviceName: 'checkout' })");
  const env = new EnvReader(envSource ?? options.env ?? process.env);

  const disabled = optBool(options.disabled, 'disabled') ?? env.boolean('OTEL_SDK_DISABLED') ?? false;

  // Resource: https://opentelemetry.io/docs/specs/otel/resource/sdk/#specifying-resource-information-via-an-environment-variable
  const resourceAttributes: Attributes = { ...(env.keyValues('OTEL_RESOURCE_ATTRIBUTES') ?? {}) };
  if (options.resourceAttributes !== undefined) {
    const ra = options.resourceAttributes;
    if (ra === null || typeof ra !== 'object' || Array.isArray(ra)) {
      throw new ConfigError('resourceAttributes', `expected an object, got ${describe(ra)}`, "resourceAttributes: { 'deployment.environment.name': 'prod' }");
    }
    for (const [k, v] of Object.entries(ra)) {
      if (!isAttributeValue(v)) throw new ConfigError(`resourceAttributes.${k}`, `expected a string, number, boolean or array of those, got ${describe(v)}`, `resourceAttributes: { '${k}': 'value' }`);
      resourceAttributes[k] = v;
    }
  }
  const envServiceName = env.raw('OTEL_SERVICE_NAME');
  const serviceName =
    optString(options.serviceName, 'serviceName', "serviceName: 'checkout'") ??
    envServiceName ??
    (typeof resourceAttributes['service.name'] === 'string' ? (resourceAttributes['service.name'] as string) : undefined) ??
    `unknown_service:${process.argv0.split('/').pop() || 'node'}`;
  const serviceVersion =
    optString(options.serviceVersion, 'serviceVersion', "serviceVersion: '1.4.2'") ??
    (typeof resourceAttributes['service.version'] === 'string' ? (resourceAttributes['service.version'] as string) : undefined);
  const serviceInstanceId =
    optString(options.serviceInstanceId, 'serviceInstanceId', "serviceInstanceId: 'pod-7f9c'") ??
    (typeof resourceAttributes['service.instance.id'] === 'string' ? (resourceAttributes['service.instance.id'] as string) : undefined) ??
    randomUUID();

  // Prometheus endpoint
  const promOpt = options.prometheus;
  if (promOpt !== undefined && promOpt !== false && (promOpt === null || typeof promOpt !== 'object' || Array.isArray(promOpt))) {
    throw new ConfigError('prometheus', `expected an object or false, got ${describe(promOpt)}`, 'prometheus: { port: 9464 }');
  }
  const po = promOpt === false ? undefined : promOpt;
  if (po) checkKeys(po, ['host', 'port', 'path', 'server', 'auth', 'scopeLabels'], 'prometheus.', 'prometheus: { host: "0.0.0.0", port: 9464 }');
  const promHost = optString(po?.host, 'prometheus.host', "prometheus: { host: '127.0.0.1' }") || env.raw('OTEL_EXPORTER_PROMETHEUS_HOST') || 'localhost';
  const promPort = optInt(po?.port, 'prometheus.port', 0, 65535, 'prometheus: { port: 9464 }') ?? env.integer('OTEL_EXPORTER_PROMETHEUS_PORT', 0, 65535) ?? 9464;
  const promPath = optString(po?.path, 'prometheus.path', "prometheus: { path: '/metrics' }") || '/metrics';
  if (!promPath.startsWith('/')) throw new ConfigError('prometheus.path', `must start with "/", got ${JSON.stringify(promPath)}`, "prometheus: { path: '/metrics' }");
  if (po?.auth !== undefined && (po.auth === null || typeof po.auth !== 'object')) {
    throw new ConfigError('prometheus.auth', `expected an object, got ${describe(po.auth)}`, "prometheus: { auth: { bearerTokenEnv: 'METRICS_TOKEN' } }");
  }

  // OTLP
  const otlp = options.otlp;
  if (otlp !== undefined && (otlp === null || typeof otlp !== 'object' || Array.isArray(otlp))) {
    throw new ConfigError('otlp', `expected an object, got ${describe(otlp)}`, "otlp: { endpoint: 'http://localhost:4318' }");
  }
  if (otlp) {
    checkKeys(
      otlp,
      ['endpoint', 'metricsEndpoint', 'tracesEndpoint', 'headers', 'protocol', 'timeoutMillis', 'compression', 'certificateFile', 'clientCertificateFile', 'clientKeyFile', 'insecure', 'temporalityPreference'],
      'otlp.',
      "otlp: { endpoint: 'http://localhost:4318' }",
    );
  }
  const optEndpoint = optUrl(otlp?.endpoint, 'otlp.endpoint', "otlp: { endpoint: 'http://localhost:4318' }");
  const optMetricsEndpoint = optUrl(otlp?.metricsEndpoint, 'otlp.metricsEndpoint', "otlp: { metricsEndpoint: 'http://localhost:4318/v1/metrics' }");
  const optTracesEndpoint = optUrl(otlp?.tracesEndpoint, 'otlp.tracesEndpoint', "otlp: { tracesEndpoint: 'http://localhost:4318/v1/traces' }");
  const optHeaders = stringRecord(otlp?.headers, 'otlp.headers', "otlp: { headers: { authorization: 'Bearer …' } }");
  const optProtocol = optEnum(otlp?.protocol, 'otlp.protocol', ['http/protobuf', 'http/json', 'grpc'] as const);
  const optTimeout = optInt(otlp?.timeoutMillis, 'otlp.timeoutMillis', 1, 600_000, 'otlp: { timeoutMillis: 10000 }');
  const optCompression = optEnum(otlp?.compression, 'otlp.compression', ['gzip', 'none'] as const);
  const optCertificateFile = optString(otlp?.certificateFile, 'otlp.certificateFile', "otlp: { certificateFile: '/etc/otel/ca.pem' }");
  const optClientCertificateFile = optString(otlp?.clientCertificateFile, 'otlp.clientCertificateFile', "otlp: { clientCertificateFile: '/etc/otel/client.pem' }");
  const optClientKeyFile = optString(otlp?.clientKeyFile, 'otlp.clientKeyFile', "otlp: { clientKeyFile: '/etc/otel/client-key.pem' }");
  const optInsecure = optBool(otlp?.insecure, 'otlp.insecure');
  const optTemporality = optEnum(otlp?.temporalityPreference, 'otlp.temporalityPreference', ['cumulative', 'delta', 'lowmemory'] as const);

  // The one OTLP resolver is @otelkit/otlp's: same rules for initTelemetry() and a bare exporter.
  const resolveOtlp = (signal: OtlpSignal) =>
    resolveOtlpOptions(
      signal,
      env.source,
      {
        url: signal === 'metrics' ? optMetricsEndpoint : optTracesEndpoint,
        endpoint: optEndpoint,
        headers: optHeaders,
        protocol: optProtocol,
        timeoutMillis: optTimeout,
        compression: optCompression,
        certificateFile: optCertificateFile,
        clientCertificateFile: optClientCertificateFile,
        clientKeyFile: optClientKeyFile,
        insecure: optInsecure,
        temporalityPreference: signal === 'metrics' ? optTemporality : undefined,
      },
      (variable, message) => env.report(variable, message),
    );
  // With nothing about OTLP set (no `otlp` option, no OTEL_EXPORTER_OTLP_* variable: nothing to
  // warn about either) OTLP is not configured, and its options are resolved — to the defaults —
  // only for an exporter list that names it: the resolver's first call is ~2 ms of a default
  // startup that exports no OTLP (bench/NOTES.md, startup).
  const otlpSet = otlp !== undefined || Object.keys(env.source).some((k) => k.startsWith('OTEL_EXPORTER_OTLP_'));
  let otlpMetricsResolved: ReturnType<typeof resolveOtlp> | undefined;
  let otlpTracesResolved: ReturnType<typeof resolveOtlp> | undefined;
  const otlpM = () => (otlpMetricsResolved ??= resolveOtlp('metrics'));
  const otlpT = () => (otlpTracesResolved ??= resolveOtlp('traces'));
  if (otlpSet) {
    // Both, in this order, so that their warnings come as they always did.
    otlpM();
    otlpT();
  }

  // Exporter selection: explicit lists win; by default Prometheus is on and OTLP only when an endpoint is configured.
  let metricsExporters = optList(options.metricsExporters, 'metricsExporters', METRICS_EXPORTERS) ?? env.list('OTEL_METRICS_EXPORTER', METRICS_EXPORTERS);
  if (metricsExporters === undefined) metricsExporters = otlpSet && otlpM().configured ? ['prometheus', 'otlp'] : ['prometheus'];
  if (metricsExporters.includes('none')) metricsExporters = [];
  if (promOpt === false) metricsExporters = metricsExporters.filter((e) => e !== 'prometheus');
  let tracesExporters = optList(options.tracesExporters, 'tracesExporters', TRACES_EXPORTERS) ?? env.list('OTEL_TRACES_EXPORTER', TRACES_EXPORTERS);
  if (tracesExporters === undefined) tracesExporters = otlpSet && otlpT().configured ? ['otlp'] : [];
  if (tracesExporters.includes('none')) tracesExporters = [];

  const metricExportIntervalMillis =
    optInt(options.metricExportIntervalMillis, 'metricExportIntervalMillis', 1, 86_400_000, 'metricExportIntervalMillis: 60000') ??
    env.integer('OTEL_METRIC_EXPORT_INTERVAL', 1, 86_400_000) ?? 60_000;
  let metricExportTimeoutMillis =
    optInt(options.metricExportTimeoutMillis, 'metricExportTimeoutMillis', 1, 86_400_000, 'metricExportTimeoutMillis: 30000') ??
    env.integer('OTEL_METRIC_EXPORT_TIMEOUT', 1, 86_400_000) ?? 30_000;
  // sdk-metrics requires timeout <= interval; clamp rather than fail on an env combination.
  if (metricExportTimeoutMillis > metricExportIntervalMillis) metricExportTimeoutMillis = metricExportIntervalMillis;

  // https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/#general-sdk-configuration
  const sampler = optEnum(options.sampler, 'sampler', SAMPLERS) ?? env.enumeration('OTEL_TRACES_SAMPLER', SAMPLERS) ?? 'parentbased_always_on';
  let samplerArg = 1;
  if (options.samplerArg !== undefined) {
    if (typeof options.samplerArg !== 'number' || !(options.samplerArg >= 0 && options.samplerArg <= 1)) {
      throw new ConfigError('samplerArg', `expected a ratio from 0 to 1, got ${describe(options.samplerArg)}`, 'samplerArg: 0.25');
    }
    samplerArg = options.samplerArg;
  } else if (sampler.endsWith('traceidratio')) {
    samplerArg = env.number('OTEL_TRACES_SAMPLER_ARG', 0, 1) ?? 1;
  }

  const exemplarFilter = optEnum(options.exemplarFilter, 'exemplarFilter', EXEMPLAR_FILTERS) ?? env.enumeration('OTEL_METRICS_EXEMPLAR_FILTER', EXEMPLAR_FILTERS) ?? 'trace_based';
  const runtimeMetrics = optBool(options.runtimeMetrics, 'runtimeMetrics') ?? true;
  const collectionCycleMillis = optInt(options.collectionCycleMillis, 'collectionCycleMillis', 0, 3_600_000, 'collectionCycleMillis: 1000') ?? 1000;
  const cardinalityLimit = optInt(options.cardinalityLimit, 'cardinalityLimit', 2, 10_000_000, 'cardinalityLimit: 2000') ?? 2000;
  const histogramBoundaries: Record<string, readonly number[]> = {};
  if (options.histogramBoundaries !== undefined) {
    const hb = options.histogramBoundaries;
    if (hb === null || typeof hb !== 'object' || Array.isArray(hb)) {
      throw new ConfigError('histogramBoundaries', `expected an object, got ${describe(hb)}`, "histogramBoundaries: { 'task.duration': [0.01, 0.1, 1, 10] }");
    }
    for (const [name, b] of Object.entries(hb)) {
      if (!validBoundaries(b)) throw new ConfigError(`histogramBoundaries.${name}`, 'expected finite numbers in strictly increasing order', `histogramBoundaries: { '${name}': [0.01, 0.1, 1, 10] }`);
      histogramBoundaries[name] = Object.freeze([...b]);
    }
  }
  if (options.instrumentations !== undefined && !Array.isArray(options.instrumentations)) {
    throw new ConfigError('instrumentations', `expected an array, got ${describe(options.instrumentations)}`, 'instrumentations: [new HttpInstrumentation()]');
  }
  const hi = options.httpInstrumentation;
  if (hi !== undefined && typeof hi !== 'boolean') {
    const example = "httpInstrumentation: { ignoreIncomingRequest: (req) => req.url === '/health' }";
    if (hi === null || typeof hi !== 'object' || Array.isArray(hi)) throw new ConfigError('httpInstrumentation', `expected true, false or an object, got ${describe(hi)}`, example);
    checkKeys(
      hi,
      ['server', 'client', 'ignoreIncomingRequest', 'ignoreOutgoingRequest', 'redactedQueryParams', ...HTTP_HOOKS, 'headersToSpanAttributes', ...REQUIRE_PARENT, 'fetch'],
      'httpInstrumentation.',
      example,
    );
    for (const hook of HTTP_HOOKS) {
      if (hi[hook] !== undefined && typeof hi[hook] !== 'function') {
        throw new ConfigError(`httpInstrumentation.${hook}`, `expected a function, got ${describe(hi[hook])}`, `httpInstrumentation: { ${hook}: (span, req) => span.setAttribute('app.tenant', String(req.headers['x-tenant'])) }`);
      }
    }
    const headers = hi.headersToSpanAttributes;
    if (headers !== undefined) {
      const headersExample = "httpInstrumentation: { headersToSpanAttributes: { server: { requestHeaders: ['x-request-id'], responseHeaders: ['content-type'] } } }";
      if (headers === null || typeof headers !== 'object' || Array.isArray(headers)) throw new ConfigError('httpInstrumentation.headersToSpanAttributes', `expected an object, got ${describe(headers)}`, headersExample);
      checkKeys(headers, ['server', 'client'], 'httpInstrumentation.headersToSpanAttributes.', headersExample);
      for (const side of ['server', 'client'] as const) {
        const lists = headers[side];
        if (lists === undefined) continue;
        checkHeaderLists(lists, `httpInstrumentation.headersToSpanAttributes.${side}`, headersExample);
      }
    }
    for (const part of ['server', 'client'] as const) {
      if (hi[part] !== undefined && typeof hi[part] !== 'boolean') {
        throw new ConfigError(`httpInstrumentation.${part}`, `expected true or false, got ${describe(hi[part])}`, 'httpInstrumentation: { server: true, client: true }');
      }
    }
    const fetchHooks = hi.fetch;
    if (fetchHooks !== undefined) {
      const fetchExample = "httpInstrumentation: { client: true, fetch: { requestHook: (span, request) => span.setAttribute('app.origin', String(request.origin)) } }";
      if (fetchHooks === null || typeof fetchHooks !== 'object' || Array.isArray(fetchHooks)) throw new ConfigError('httpInstrumentation.fetch', `expected an object, got ${describe(fetchHooks)}`, fetchExample);
      checkKeys(fetchHooks, [...FETCH_HOOKS, 'headersToSpanAttributes'], 'httpInstrumentation.fetch.', fetchExample);
      for (const hook of FETCH_HOOKS) {
        if (fetchHooks[hook] !== undefined && typeof fetchHooks[hook] !== 'function') throw new ConfigError(`httpInstrumentation.fetch.${hook}`, `expected a function, got ${describe(fetchHooks[hook])}`, fetchExample);
      }
      const lists = fetchHooks.headersToSpanAttributes;
      if (lists !== undefined) {
        const listsExample = "httpInstrumentation: { client: true, fetch: { headersToSpanAttributes: { requestHeaders: ['x-request-id'], responseHeaders: ['content-type'] } } }";
        checkHeaderLists(lists, 'httpInstrumentation.fetch.headersToSpanAttributes', listsExample);
      }
    }
    for (const flag of REQUIRE_PARENT) {
      if (hi[flag] !== undefined && typeof hi[flag] !== 'boolean') {
        throw new ConfigError(`httpInstrumentation.${flag}`, `expected true or false, got ${describe(hi[flag])}`, `httpInstrumentation: { client: true, ${flag}: true }`);
      }
    }
    if (hi.ignoreOutgoingRequest !== undefined && typeof hi.ignoreOutgoingRequest !== 'function') {
      throw new ConfigError('httpInstrumentation.ignoreOutgoingRequest', `expected a function, got ${describe(hi.ignoreOutgoingRequest)}`, "httpInstrumentation: { client: true, ignoreOutgoingRequest: (r) => r.url.startsWith('http://vault') }");
    }
    if (hi.ignoreIncomingRequest !== undefined && typeof hi.ignoreIncomingRequest !== 'function') {
      throw new ConfigError('httpInstrumentation.ignoreIncomingRequest', `expected a function, got ${describe(hi.ignoreIncomingRequest)}`, example);
    }
    if (hi.redactedQueryParams !== undefined && !(Array.isArray(hi.redactedQueryParams) && hi.redactedQueryParams.every((p) => typeof p === 'string'))) {
      throw new ConfigError('httpInstrumentation.redactedQueryParams', `expected an array of strings, got ${describe(hi.redactedQueryParams)}`, "httpInstrumentation: { redactedQueryParams: ['token'] }");
    }
  }
  const pg = options.pushgateway;
  if (pg !== undefined) {
    const example = "pushgateway: { url: 'http://127.0.0.1:9091', job: 'nightly-import' }";
    if (pg === null || typeof pg !== 'object' || Array.isArray(pg)) throw new ConfigError('pushgateway', `expected an object, got ${describe(pg)}`, example);
    checkKeys(pg, ['url', 'job', 'groupingLabels', 'method', 'intervalMs', 'deleteOnSuccess', 'timeoutMs', 'headers', 'gzip'], 'pushgateway.', example);
    if (optUrl(pg.url, 'pushgateway.url', example) === undefined) throw new ConfigError('pushgateway.url', 'is required', example);
    if (optString(pg.job, 'pushgateway.job', example) === undefined) throw new ConfigError('pushgateway.job', 'is required', example);
    stringRecord(pg.groupingLabels, 'pushgateway.groupingLabels', "pushgateway: { groupingLabels: { instance: 'worker-1' } }");
    stringRecord(pg.headers, 'pushgateway.headers', "pushgateway: { headers: { authorization: 'Bearer …' } }");
    optEnum(pg.method, 'pushgateway.method', ['PUT', 'POST'] as const);
    optInt(pg.intervalMs, 'pushgateway.intervalMs', 100, 86_400_000, 'pushgateway: { intervalMs: 15000 }');
    optInt(pg.timeoutMs, 'pushgateway.timeoutMs', 1, 600_000, 'pushgateway: { timeoutMs: 5000 }');
    optBool(pg.deleteOnSuccess, 'pushgateway.deleteOnSuccess');
    optBool(pg.gzip, 'pushgateway.gzip');
  }
  const shutdownHooks = optBool(options.shutdownHooks, 'shutdownHooks') ?? true;
  const shutdownTimeoutMillis = optInt(options.shutdownTimeoutMillis, 'shutdownTimeoutMillis', 1, 600_000, 'shutdownTimeoutMillis: 5000') ?? 5000;
  const terminationGracePeriodMillis =
    optInt(options.terminationGracePeriodMillis, 'terminationGracePeriodMillis', 0, 86_400_000, 'terminationGracePeriodMillis: 30000') ??
    env.integer('OTELKIT_TERMINATION_GRACE_PERIOD_MILLIS', 0, 86_400_000) ?? 30_000;
  let finalFlushShare = 0.2;
  if (options.finalFlushShare !== undefined) {
    const f = options.finalFlushShare;
    if (typeof f !== 'number' || !(f > 0 && f < 1)) throw new ConfigError('finalFlushShare', `expected a share between 0 and 1 (exclusive), got ${describe(f)}`, 'finalFlushShare: 0.2');
    finalFlushShare = f;
  } else {
    finalFlushShare = env.number('OTELKIT_FINAL_FLUSH_SHARE', 0.01, 0.99) ?? 0.2;
  }
  const scopeLabels = optBool(po?.scopeLabels, 'prometheus.scopeLabels') ?? true;
  const server = optBool(po?.server, 'prometheus.server') ?? true;

  return {
    disabled,
    serviceName,
    serviceVersion,
    serviceInstanceId,
    resourceAttributes,
    metricsExporters,
    tracesExporters,
    prometheus: metricsExporters.includes('prometheus')
      ? { host: promHost, port: promPort, path: promPath, server, auth: po?.auth, scopeLabels }
      : undefined,
    otlpMetrics: metricsExporters.includes('otlp') ? otlpM().options : undefined,
    otlpTraces: tracesExporters.includes('otlp') ? otlpT().options : undefined,
    pushgateway: pg,
    metricExportIntervalMillis,
    metricExportTimeoutMillis,
    sampler,
    samplerArg,
    exemplarFilter,
    runtimeMetrics,
    cardinalityLimit,
    collectionCycleMillis,
    histogramBoundaries,
    shutdownHooks,
    shutdownTimeoutMillis,
    terminationGracePeriodMillis,
    finalFlushShare,
    warnings: env.warnings,
  };
}
