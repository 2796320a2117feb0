import type { IncomingMessage, ServerResponse } from 'node:http';
import { diag, type Tracer } from '@opentelemetry/api';
import type * as Instrumentation from '@opentelemetry/instrumentation';
import type { Resource } from '@opentelemetry/resources';
import type { TracerProvider } from '@opentelemetry/sdk-trace';
import { MeterProvider, type Meter } from '@otelkit/metrics';
import type * as Meters from '@otelkit/meters';
import type { TelemetrySnapshot } from '@otelkit/meters';
import type { ComponentContext, ComponentFactory, TelemetryComponent } from './components/component.js';
import { consoleMetrics } from './components/console-metrics.js';
import { otlpMetrics } from './components/otlp-metrics.js';
import { prometheusEndpoint } from './components/prometheus-endpoint.js';
import { pushgateway } from './components/pushgateway.js';
import { traces } from './components/traces.js';
import { resolveConfig, type ResolvedConfig } from './config.js';
import { FlushError } from './errors.js';
import { installExitHooks, type ExitHooks } from './exit-hooks.js';
import { reportFinal, sendSync } from './final-export.js';
import { inspectCoexistence } from './coexistence.js';
import { registerGlobals } from './globals.js';
import { healthReport, snapshotExporters, type HealthReport } from './health-report.js';
import { enableHttpInstrumentation } from './http-instrumentation.js';
import type { TelemetryOptions } from './options.js';
import { buildResource } from './resource.js';
import { enableRuntimeMetrics } from './runtime-metrics.js';
import { settle } from './settle.js';
import { buildTracing } from './tracing.js';
import { setupCluster, type ClusterHandle, type ClusterHealth } from './cluster/cluster-aggregation.js';
import { resolveClusterOptions } from './cluster/cluster-options.js';
import { importSync } from './import-sync.js';

export type { HealthReport } from './health-report.js';
export type { PrometheusEndpointHealth } from './components/component.js';

/**
 * Every exporter besides the Prometheus endpoint (which the handle exposes, so it is built on its
 * own): adding one is a file in components/ and a line here. Each returns undefined when the
 * configuration does not ask for it.
 */
const COMPONENTS: readonly ComponentFactory[] = [
  otlpMetrics,
  consoleMetrics,
  traces,
  pushgateway,
];

export interface FlushOptions {
  /** Default: `shutdownTimeoutMillis` (5000). */
  readonly timeoutMillis?: number;
}

/** What `initTelemetry()` returns. */
export interface Telemetry {
  readonly config: ResolvedConfig;
  readonly resource: Resource;
  /** Registered as the global MeterProvider; its instruments have `.bind()`. */
  readonly meterProvider: MeterProvider;
  /** Registered as the global TracerProvider. */
  readonly tracerProvider: TracerProvider;
  /** Resolves when the standalone /metrics server listens (at once without one); rejects with a PortInUseError naming the port. Never an unhandled rejection. */
  readonly ready: Promise<void>;
  /** `(req, res) => void` serving the metrics path; mount it on node:http, express or fastify. */
  readonly metricsHandler: (req: IncomingMessage, res: ServerResponse) => void;
  /** URL of the standalone /metrics endpoint once listening. */
  readonly metricsUrl: string | undefined;
  meter(name: string, version?: string): Meter;
  tracer(name: string, version?: string): Tracer;
  /** Exports everything now; rejects with a FlushError naming each failed exporter. Bounded by a timeout. */
  forceFlush(options?: FlushOptions): Promise<void>;
  /** Final flush, then stops exporters and the server. Idempotent; rejects with a FlushError on failure. */
  shutdown(options?: FlushOptions): Promise<void>;
  health(): HealthReport;
  snapshot(): TelemetrySnapshot;
  /** Cluster aggregation (`initTelemetry({ cluster })`), else undefined. */
  readonly cluster: ClusterHandle | undefined;
}

let current: Telemetry | undefined;

/**
 * Sets up metrics and traces once for the process: one Resource, the global MeterProvider and
 * TracerProvider, a Prometheus endpoint and/or OTLP export, runtime metrics and exit hooks.
 * Calling it again returns the same handle (with one warning) until `shutdown()`.
 *
 * @example
 * const tel = initTelemetry({ serviceName: 'checkout' });
 * const orders = tel.meter('checkout').createCounter('orders', { unit: '{order}' }).bind({ channel: 'web' });
 * orders.add(1);
 */
export function initTelemetry(options: TelemetryOptions = {}): Telemetry {
  if (current !== undefined) {
    diag.warn('otelkit: initTelemetry() was already called; returning the existing handle (options of this call are ignored)');
    return current;
  }
  // 1. Configuration: options, then OTEL_* variables, then defaults (throws ConfigError).
  let cfg = resolveConfig(options);
  const clusterOptions = cfg.disabled ? undefined : resolveClusterOptions(options.cluster);
  const startTimeMs = Date.now();

  // 2. Resource and providers: one MeterProvider whose store every exporter reads.
  const resource = buildResource(cfg);
  const boundaries = cfg.histogramBoundaries;
  const meterProvider = new MeterProvider({
    resource,
    exemplarFilter: cfg.exemplarFilter,
    cardinalityLimit: cfg.cardinalityLimit,
    collectionCycleMs: cfg.collectionCycleMillis,
    histogramBoundaries: (name) => boundaries[name],
  });
  const cluster = clusterOptions && setupCluster(meterProvider.store, clusterOptions, cfg.serviceInstanceId);
  // A cluster worker serves no /metrics server of its own: the primary's serves every worker.
  if (cluster?.handle.role === 'worker' && cfg.prometheus !== undefined) cfg = { ...cfg, prometheus: { ...cfg.prometheus, server: false } };
  const tracing = buildTracing(cfg, resource, options.env ?? process.env);
  let stoppedBySignal = false;
  const ctx: ComponentContext = {
    config: cfg,
    resource,
    meterProvider,
    tracerProvider: tracing.provider,
    tracing,
    scrapeStore: cluster?.scrapeStore,
    succeeded: (code = process.exitCode) => !stoppedBySignal && (code === undefined || code === null || Number(code) === 0),
  };

  // 3. Components: the Prometheus endpoint, then every other exporter.
  const prometheus = prometheusEndpoint(ctx);
  const components = buildComponents(ctx, prometheus, cluster);
  if (cluster !== undefined) components.push({ name: 'cluster', forceFlush: async () => undefined, shutdown: (t) => cluster.stop(t), health: () => ({ kind: 'none' }) });

  // 4. Hooks: globals, runtime metrics, instrumentations, exit hooks.
  // Globals already registered (or a second API copy): one startup warning and health() findings;
  // otelkit registers, and releases at shutdown, only the globals that are free.
  const { findings: coexistence, owns } = inspectCoexistence();
  const globals = registerGlobals(meterProvider, tracing.provider, owns);
  const runtime = cfg.runtimeMetrics ? enableRuntimeMetrics(meterProvider) : undefined;
  // otelkit's exporter health as series (the `otelkit` catalog of @otelkit/meters), so an exporter
  // that keeps failing (a stopped Collector) can fire an alert from the process's own /metrics.
  const stopExporterHealth = components.some((c) => c.health().kind === 'exporter' || c.health().kind === 'pushgateway')
    ? importSync<typeof Meters>('@otelkit/meters').observeExporterHealth(meterProvider.getMeter('otelkit'), () => snapshotExporters(components))
    : undefined;
  const instrumentations = options.instrumentations ?? [];
  const unregisterInstrumentations =
    instrumentations.length > 0
      ? // @opentelemetry/instrumentation only when instrumentations are passed (import-sync.ts).
        importSync<typeof Instrumentation>('@opentelemetry/instrumentation').registerInstrumentations({
          instrumentations,
          meterProvider,
          tracerProvider: owns.trace ? tracing.provider : undefined,
        })
      : undefined;
  const httpInstrumentation = enableHttpInstrumentation(options.httpInstrumentation, meterProvider, owns.trace ? tracing.provider : undefined, instrumentations);
  let hooks: ExitHooks | undefined;
  let shutdownDone: Promise<void> | undefined;
  // Components whose final export (shutdown) has started: the synchronous exit path leaves them
  // alone, so a process.exit() during the asynchronous final export sends nothing twice.
  const finalStarted = new Set<TelemetryComponent>();
  const each = (op: 'forceFlush' | 'shutdown', timeout: number) =>
    settle(
      components.map((c) => [c.name, () => (op === 'shutdown' && finalStarted.add(c), c[op](timeout))] as const),
      timeout,
      op === 'forceFlush' ? 'flush' : 'shutdown',
    );

  const handle: Telemetry = {
    config: cfg,
    resource,
    meterProvider,
    tracerProvider: tracing.provider,
    ready: prometheus.ready,
    metricsHandler: prometheus.handler,
    get metricsUrl() {
      return prometheus.url();
    },
    meter: (name, version) => meterProvider.getMeter(name, version),
    tracer: (name, version) => tracing.provider.getTracer(name, version),
    forceFlush: async (o = {}) => {
      const failures = await each('forceFlush', o.timeoutMillis ?? cfg.shutdownTimeoutMillis);
      if (failures.length > 0) throw new FlushError('forceFlush', failures);
    },
    shutdown: (o = {}) =>
      (shutdownDone ??= (async () => {
        runtime?.disable();
        stopExporterHealth?.();
        unregisterInstrumentations?.();
        httpInstrumentation?.disable();
        const failures = await each('shutdown', o.timeoutMillis ?? cfg.shutdownTimeoutMillis);
        meterProvider.shutdown();
        globals.release();
        if (current === handle) current = undefined;
        // The final export happened (or was tried once): the exit hooks have nothing left to do.
        hooks?.markDone();
        hooks?.uninstall();
        if (failures.length > 0) throw new FlushError('shutdown', failures);
      })()),
    health: () =>
      withCluster(healthReport(components, {
        state: shutdownDone !== undefined ? 'shutdown' : cfg.disabled ? 'disabled' : 'running',
        serviceName: cfg.serviceName,
        serviceInstanceId: cfg.serviceInstanceId,
        startTimeMs,
        series: meterProvider.store.seriesCount,
        configWarnings: cfg.warnings,
        coexistence,
      }), cluster),
    // @otelkit/meters on the first snapshot (import-sync.ts).
    snapshot: () => importSync<typeof Meters>('@otelkit/meters').buildSnapshot(cluster?.scrapeStore ?? meterProvider.store, { startTimeMs, exporters: snapshotExporters(components) }),
    cluster: cluster?.handle,
  };
  if (cfg.shutdownHooks && !cfg.disabled) {
    hooks = installExitHooks(
      {
        flush: (_reason, timeoutMillis) => handle.shutdown({ timeoutMillis }),
        // The synchronous exit path: the final request of each component whose final export has
        // not started (an export already on the wire is not repeated), sent by a child process.
        flushSync: (exitCode, timeoutMs) =>
          reportFinal(sendSync(components.filter((c) => !finalStarted.has(c)).flatMap((c) => c.finalRequest?.({ exitCode }) ?? []), timeoutMs)),
        signalled: (_signal, appHandles) => {
          stoppedBySignal = true;
          // The application drains before it exits: spans ended so far go now (each span is
          // exported once whatever comes later); metrics are cumulative and wait for the final export.
          if (appHandles) void tracing.provider.forceFlush().catch(() => undefined);
        },
      },
      { timeoutMs: cfg.shutdownTimeoutMillis, gracePeriodMs: cfg.terminationGracePeriodMillis, flushShare: cfg.finalFlushShare },
    );
  }
  current = handle;
  return handle;
}

/** health() with the cluster's part: a worker that missed the last collection degrades the primary. */
function withCluster(report: HealthReport, cluster: { handle: { health(): ClusterHealth }; failing(): boolean } | undefined): HealthReport {
  if (cluster === undefined) return report;
  return { ...report, status: report.status === 'ok' && cluster.failing() ? 'degraded' : report.status, cluster: cluster.handle.health() };
}

/**
 * Runs every factory of {@link COMPONENTS}. When one throws (a ConfigError), those already built
 * are shut down before the error reaches the caller: a failed initTelemetry() leaves no server
 * listening and no timer running.
 */
function buildComponents(ctx: ComponentContext, first: TelemetryComponent, cluster?: { stop(timeoutMs: number): Promise<void> }): TelemetryComponent[] {
  const built: TelemetryComponent[] = [first];
  try {
    for (const factory of COMPONENTS) {
      const c = factory(ctx);
      if (c !== undefined) built.push(c);
    }
    return built;
  } catch (e) {
    for (const c of built) void c.shutdown(ctx.config.shutdownTimeoutMillis).catch(() => undefined);
    void cluster?.stop(0).catch(() => undefined);
    throw e;
  }
}
