import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import type { Attributes, Span } from '@opentelemetry/api';
import type { OutgoingRequestOptions, UndiciInstrumentationOptions } from '@otelkit/instrumentation-http';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { ExemplarFilter } from '@otelkit/metrics';
import type { MetricsAuthOptions } from '@otelkit/prometheus';
import type { ClusterOptions } from './cluster/cluster-options.js';

export type MetricsExporterName = 'prometheus' | 'otlp' | 'console' | 'none';
export type TracesExporterName = 'otlp' | 'console' | 'none';
/** `grpc`: metrics only (traces fall back to http/protobuf with a warning). */
export type OtlpProtocol = 'http/protobuf' | 'http/json' | 'grpc';
export type SamplerName =
  | 'always_on'
  | 'always_off'
  | 'traceidratio'
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio';

export interface PrometheusOptions {
  /** Interface to bind. Default `localhost` (OTEL_EXPORTER_PROMETHEUS_HOST). */
  host?: string;
  /** Default 9464 (OTEL_EXPORTER_PROMETHEUS_PORT); 0 picks a free port. */
  port?: number;
  /** Default `/metrics`. */
  path?: string;
  /** Start the standalone server (default true); false = only `handle.metricsHandler`, to mount on your own server. */
  server?: boolean;
  /** Bearer token and/or IP allowlist for `/metrics`. */
  auth?: MetricsAuthOptions;
  /** Add otel_scope_name / otel_scope_version labels (default true, as the Collector does). */
  scopeLabels?: boolean;
}

export interface OtlpOptions {
  /** Base URL; `/v1/metrics` and `/v1/traces` are appended (OTEL_EXPORTER_OTLP_ENDPOINT). */
  endpoint?: string;
  /** Full metrics URL, used as is (OTEL_EXPORTER_OTLP_METRICS_ENDPOINT). */
  metricsEndpoint?: string;
  /** Full traces URL, used as is (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT). */
  tracesEndpoint?: string;
  headers?: Record<string, string>;
  /** Default `http/protobuf`. */
  protocol?: OtlpProtocol;
  /** Per export, default 10000 ms. */
  timeoutMillis?: number;
  /** OTEL_EXPORTER_OTLP_COMPRESSION: gzip bodies (HTTP `Content-Encoding`) or messages (gRPC `grpc-encoding`). */
  compression?: 'gzip' | 'none';
  /** PEM file of the CA trusted for the receiver, instead of Node's store (OTEL_EXPORTER_OTLP_CERTIFICATE). */
  certificateFile?: string;
  /** PEM client certificate for mTLS (OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE); needs `clientKeyFile`. */
  clientCertificateFile?: string;
  /** PEM private key of the client certificate (OTEL_EXPORTER_OTLP_CLIENT_KEY). */
  clientKeyFile?: string;
  /** gRPC with a `host:port` endpoint: plaintext when true (OTEL_EXPORTER_OTLP_INSECURE). Default false (TLS). */
  insecure?: boolean;
  /** OTLP metrics: `cumulative` (default), `delta` or `lowmemory` (OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE). The Prometheus endpoint stays cumulative. */
  temporalityPreference?: 'cumulative' | 'delta' | 'lowmemory';
}

/** Push to a Prometheus Pushgateway: for batch jobs that end before anything scrapes them. */
export interface PushgatewayOptions {
  /** Base URL, e.g. `http://127.0.0.1:9091` (user info becomes Basic auth). */
  url: string;
  /** The `job` of the grouping key. */
  job: string;
  /** The rest of the grouping key, e.g. `{ instance: 'scraper-3' }`. */
  groupingLabels?: Record<string, string>;
  /** `PUT` (default) replaces the group; `POST` replaces only the metrics sent. */
  method?: 'PUT' | 'POST';
  /** Also push every `intervalMs` (long jobs). */
  intervalMs?: number;
  /** At the end, delete the group when the job succeeded (exit code 0) instead of pushing; a failed job still pushes. */
  deleteOnSuccess?: boolean;
  /** Per push; default 5000 ms. */
  timeoutMs?: number;
  headers?: Record<string, string>;
  gzip?: boolean;
}

export interface TelemetryOptions {
  serviceName?: string;
  serviceVersion?: string;
  /** Default: a random UUID per process. */
  serviceInstanceId?: string;
  /** Extra resource attributes (win over OTEL_RESOURCE_ATTRIBUTES). */
  resourceAttributes?: Attributes;
  /** OTEL_SDK_DISABLED: nothing is exported and no server starts; instruments still work in memory. */
  disabled?: boolean;
  /** OTEL_METRICS_EXPORTER. Default: prometheus, plus otlp when an OTLP endpoint is configured. */
  metricsExporters?: MetricsExporterName[];
  /** OTEL_TRACES_EXPORTER. Default: otlp when an OTLP endpoint is configured, else none. */
  tracesExporters?: TracesExporterName[];
  /** `false` turns the Prometheus endpoint off. */
  prometheus?: PrometheusOptions | false;
  otlp?: OtlpOptions;
  /** Push metrics to a Pushgateway: at every exit path (exactly once, bounded), and periodically with `intervalMs`. */
  pushgateway?: PushgatewayOptions;
  /** OTEL_METRIC_EXPORT_INTERVAL, default 60000 ms. */
  metricExportIntervalMillis?: number;
  /** OTEL_METRIC_EXPORT_TIMEOUT, default 30000 ms. */
  metricExportTimeoutMillis?: number;
  /** OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG. Default parentbased_always_on. */
  sampler?: SamplerName;
  samplerArg?: number;
  /** OTEL_METRICS_EXEMPLAR_FILTER. Default trace_based. */
  exemplarFilter?: ExemplarFilter;
  /** Event loop, GC, heap (instrumentation-runtime-node) and process CPU/memory (instrumentation-host-metrics). Default true. */
  runtimeMetrics?: boolean;
  /**
   * Observable callbacks (runtime metrics included) run at most once per cycle of this length;
   * every reader collecting within it — scrapes, OTLP, Pushgateway — gets the same observations.
   * Default 1000 ms; 0: a round per collection (docs/DESIGN-NOTES.md).
   */
  collectionCycleMillis?: number;
  /** Series per instrument (overflow series beyond). Default 2000. */
  cardinalityLimit?: number;
  /** Histogram boundaries by instrument name, e.g. `{ 'http.server.request.duration': [0.01, 0.1, 1] }`. */
  histogramBoundaries?: Record<string, number[]>;
  /** Instrumentations to enable with these providers (e.g. `new HttpInstrumentation()`). */
  instrumentations?: Instrumentation[];
  /**
   * otelkit's HTTP instrumentation (`@otelkit/instrumentation-http`, on
   * `node:diagnostics_channel`): the spans and `http.server.request.duration` of
   * `@opentelemetry/instrumentation-http` at a fraction of its cost per request, and with
   * `client: true` the CLIENT spans and `http.client.request.duration` of outgoing node:http /
   * node:https requests and `fetch()` (those of instrumentation-http and instrumentation-undici).
   * `true` = the server part only (`{ server: true, client: false }`); or its options. Default
   * off: it instruments every HTTP server (and client) of the process. A part that
   * instrumentation-http / -undici in `instrumentations` (or another subscriber) already covers is
   * not enabled — one startup warning says which (http-coexistence.ts).
   */
  httpInstrumentation?: boolean | HttpInstrumentationSettings;
  /** Flush on SIGTERM, SIGINT and beforeExit (default true). */
  shutdownHooks?: boolean;
  /** Bound on forceFlush()/shutdown() and the exit hooks. Default 5000 ms. */
  shutdownTimeoutMillis?: number;
  /**
   * Time the platform grants between SIGTERM and SIGKILL (Kubernetes `terminationGracePeriodSeconds`
   * × 1000; `docker stop` grants 10000). When the application handles SIGTERM itself and is still
   * running when only `finalFlushShare` of it is left, otelkit does its final export then, so it
   * lands before the SIGKILL. 0: no deadline (final export only when the process exits).
   * Default 30000 (OTELKIT_TERMINATION_GRACE_PERIOD_MILLIS).
   */
  terminationGracePeriodMillis?: number;
  /** Share of the grace period, at its end, reserved for the final export. Default 0.2 (OTELKIT_FINAL_FLUSH_SHARE). */
  finalFlushShare?: number;
  /** One /metrics for a `node:cluster` (or worker_threads) service: see ClusterOptions; `true` = defaults. Same call in the primary and the workers. */
  cluster?: ClusterOptions | boolean;
  /** Environment to read instead of `process.env` (tests): every `OTEL_*` variable initTelemetry() reads comes from it. */
  env?: Record<string, string | undefined>;
}

/** The options of `httpInstrumentation` (the providers are initTelemetry()'s). */
export interface HttpInstrumentationSettings {
  /** SERVER spans and `http.server.request.duration` for every node:http / node:https server. Default true. */
  server?: boolean;
  /** CLIENT spans, `traceparent` injection and `http.client.request.duration` for node:http / node:https requests and `fetch()`. Default false. */
  client?: boolean;
  /** Requests for which this returns true get no span and no metric (e.g. health checks). */
  ignoreIncomingRequest?: (req: IncomingMessage) => boolean;
  /** Outgoing requests for which this returns true get no span, no metric and no propagation headers. */
  ignoreOutgoingRequest?: (request: { readonly method: string; readonly url: string }) => boolean;
  /** Query parameters whose values `url.query` / `url.full` replace by `REDACTED`. */
  redactedQueryParams?: readonly string[];
  /**
   * instrumentation-http's `requireParentforIncomingSpans`: no SERVER span of the request's own
   * (a request's context has at most a remote parent, which then stands in; without one a
   * non-recording span does); `http.server.request.duration` is still recorded.
   */
  requireParentforIncomingSpans?: boolean;
  /**
   * instrumentation-http's `requireParentforOutgoingSpans` (instrumentation-undici's
   * `requireParentforSpans` for `fetch()`): no CLIENT span, and no `traceparent` sent, for a
   * request made where no span is active (pollers, health checks); the duration is still
   * recorded. With a remote parent only, node:http requests send its context without a span of
   * their own and `fetch()` requests get a child span, as the two upstream instrumentations do.
   */
  requireParentforOutgoingSpans?: boolean;
  /**
   * Attributes added to each SERVER span at its start, over the conventions' (instrumentation-http's
   * `startIncomingSpanHook`: they are there for the sampler).
   */
  startIncomingSpanHook?: (req: IncomingMessage) => Attributes;
  /**
   * Attributes added to each node:http CLIENT span at its start, over the conventions'
   * (instrumentation-http's `startOutgoingSpanHook`), given the request's options as
   * `@otelkit/instrumentation-http`'s `OutgoingRequestOptions` (rebuilt from the request).
   */
  startOutgoingSpanHook?: (options: OutgoingRequestOptions) => Attributes;
  /**
   * Called when a span has started, in its context, with the request: the server's
   * `IncomingMessage` or a node:http client's `ClientRequest` (instrumentation-http's
   * `requestHook`; `fetch()` spans have no hooks).
   */
  requestHook?: (span: Span, request: IncomingMessage | ClientRequest) => void;
  /**
   * Called with the response: a server's `ServerResponse` right after `requestHook` (at the start
   * of the request, as instrumentation-http does), a client's `IncomingMessage` when it arrives.
   */
  responseHook?: (span: Span, response: IncomingMessage | ServerResponse) => void;
  /** Called once the response is complete, before the span ends (instrumentation-http's `applyCustomAttributesOnSpan`). */
  applyCustomAttributesOnSpan?: (span: Span, request: IncomingMessage | ClientRequest, response: ServerResponse | IncomingMessage) => void;
  /**
   * Headers recorded on SERVER spans (`server`) and node:http CLIENT spans (`client`) as
   * `http.request.header.<name>` / `http.response.header.<name>` (instrumentation-http's
   * `headersToSpanAttributes`).
   */
  headersToSpanAttributes?: {
    server?: { requestHeaders?: readonly string[]; responseHeaders?: readonly string[] };
    client?: { requestHeaders?: readonly string[]; responseHeaders?: readonly string[] };
  };
  /**
   * `fetch()` / undici CLIENT spans: instrumentation-undici's hooks and header capture under its
   * names (`startSpanHook`, `requestHook`, `responseHook`, `headersToSpanAttributes`) — a
   * different set from the node:http ones above, as upstream's two packages have.
   */
  fetch?: Pick<UndiciInstrumentationOptions, 'startSpanHook' | 'requestHook' | 'responseHook' | 'headersToSpanAttributes'>;
}

export const OPTION_KEYS: readonly (keyof TelemetryOptions)[] = [
  'serviceName', 'serviceVersion', 'serviceInstanceId', 'resourceAttributes', 'disabled', 'metricsExporters',
  'tracesExporters', 'prometheus', 'otlp', 'pushgateway', 'metricExportIntervalMillis', 'metricExportTimeoutMillis', 'sampler',
  'samplerArg', 'exemplarFilter', 'runtimeMetrics', 'collectionCycleMillis', 'cardinalityLimit', 'histogramBoundaries', 'instrumentations',
  'shutdownHooks', 'shutdownTimeoutMillis', 'terminationGracePeriodMillis', 'finalFlushShare', 'env', 'cluster',
  'httpInstrumentation',
];
