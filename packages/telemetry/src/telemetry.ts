import type { IncomingMessage, ServerResponse } from 'node:http';
import { context, diag, metrics, propagation, trace, type Tracer } from '@opentelemetry/api';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import type { Resource } from '@opentelemetry/resources';
import { ConsoleMetricExporter, PeriodicExportingMetricReader, type MetricReader } from '@opentelemetry/sdk-metrics';
import type { TracerProvider } from '@opentelemetry/sdk-trace';
import { MeterProvider, MetricProducer, type Meter } from '@otelkit/metrics';
import { buildSnapshot, type TelemetrySnapshot } from '@otelkit/meters';
import { OTLPMetricExporter, PeriodicExportingReader, type ExporterHealth } from '@otelkit/otlp';
import { createMetricsHandler, PushgatewayConfigError, PushgatewayPusher, startMetricsServer, type PushgatewayHealth } from '@otelkit/prometheus';
import { resolveConfig, type ResolvedConfig } from './config.js';
import { ConfigError, FlushError } from './errors.js';
import { installExitHooks, type ExitHooks } from './exit-hooks.js';
import { otlpFinalRequest, reportFinal, sendSync, type FinalRequest } from './final-export.js';
import type { TelemetryOptions } from './options.js';
import { buildResource } from './resource.js';
import { enableRuntimeMetrics } from './runtime-metrics.js';
import { buildTracing, registerTracing } from './tracing.js';

export interface PrometheusEndpointHealth {
  readonly state: 'disabled' | 'handler-only' | 'starting' | 'listening' | 'failed' | 'closed';
  readonly url?: string;
  readonly error?: string;
}

export interface HealthReport {
  /** `ok`: every configured exporter works; `degraded`: one failed; `disabled`: OTEL_SDK_DISABLED. */
  readonly status: 'ok' | 'degraded' | 'disabled' | 'shutdown';
  readonly serviceName: string;
  readonly serviceInstanceId: string;
  readonly uptimeSeconds: number;
  readonly series: number;
  readonly prometheus: PrometheusEndpointHealth;
  readonly exporters: Readonly<Record<string, ExporterHealth>>;
  /** Present when a Pushgateway is configured. */
  readonly pushgateway?: PushgatewayHealth;
  /** Malformed environment values that were ignored. */
  readonly configWarnings: readonly string[];
}

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
}

let current: Telemetry | undefined;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

type Failure = { component: string; error: unknown };

/**
 * Runs the operations side by side, each bounded by `timeoutMs`, and returns those that failed
 * or timed out (never rejects): forceFlush() and shutdown() report every failed component.
 */
async function settle(ops: readonly ([component: string, run: () => Promise<unknown>] | undefined)[], timeoutMs: number, what: string): Promise<Failure[]> {
  const failures: Failure[] = [];
  await Promise.all(
    ops.map((op) =>
      op === undefined
        ? undefined
        : withTimeout(Promise.resolve().then(op[1]), timeoutMs, `${op[0]} ${what}`).catch((error: unknown) => {
            failures.push({ component: op[0], error });
          }),
    ),
  );
  return failures;
}

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
  const cfg = resolveConfig(options);
  const startTimeMs = Date.now();
  const resource = buildResource(cfg);

  const boundaries = cfg.histogramBoundaries;
  const meterProvider = new MeterProvider({
    resource,
    exemplarFilter: cfg.exemplarFilter,
    cardinalityLimit: cfg.cardinalityLimit,
    histogramBoundaries: (name) => boundaries[name],
  });
  const store = meterProvider.store;
  const tracing = buildTracing(cfg, resource);
  metrics.setGlobalMeterProvider(meterProvider);
  // The context manager and propagator are registered only when nobody registered one before
  // (a second registration is a diag error), and released at shutdown only when they are ours.
  const apiGlobals = (globalThis as unknown as Record<symbol, Record<string, unknown> | undefined>)[Symbol.for('opentelemetry.js.api.1')];
  const ownsContext = apiGlobals?.context === undefined;
  const ownsPropagation = apiGlobals?.propagation === undefined;
  registerTracing(tracing.provider, { context: ownsContext, propagation: ownsPropagation });

  // Readers fed by one MetricProducer over the same cells.
  const readers: { name: string; reader: MetricReader; health?: () => ExporterHealth }[] = [];
  if (!cfg.disabled) {
    if (cfg.otlpMetrics !== undefined) {
      const exporter = new OTLPMetricExporter(cfg.otlpMetrics);
      const reader = new PeriodicExportingReader({
        exporter,
        exportIntervalMillis: cfg.metricExportIntervalMillis,
        exportTimeoutMillis: cfg.metricExportTimeoutMillis,
      });
      reader.setMetricProducer(new MetricProducer(store, resource));
      readers.push({ name: 'otlp-metrics', reader, health: () => exporter.health() });
    }
    if (cfg.metricsExporters.includes('console')) {
      const reader = new PeriodicExportingMetricReader({
        exporter: new ConsoleMetricExporter(),
        exportIntervalMillis: cfg.metricExportIntervalMillis,
        exportTimeoutMillis: cfg.metricExportTimeoutMillis,
      });
      reader.setMetricProducer(new MetricProducer(store, resource));
      readers.push({ name: 'console-metrics', reader });
    }
  }

  // Prometheus endpoint
  let prom: PrometheusEndpointHealth = { state: 'disabled' };
  let closeServer: (() => Promise<void>) | undefined;
  let metricsUrl: string | undefined;
  const promCfg = cfg.disabled ? undefined : cfg.prometheus;
  const metricsHandler = createMetricsHandler({
    store,
    resource,
    path: promCfg?.path ?? '/metrics',
    auth: promCfg?.auth,
    scopeLabels: promCfg?.scopeLabels ?? true,
  });
  let ready: Promise<void> = Promise.resolve();
  if (promCfg !== undefined) {
    if (!promCfg.server) prom = { state: 'handler-only' };
    else {
      prom = { state: 'starting' };
      ready = startMetricsServer({
        host: promCfg.host,
        port: promCfg.port,
        path: promCfg.path,
        store,
        resource,
        auth: promCfg.auth,
        scopeLabels: promCfg.scopeLabels,
      }).then(
        (srv) => {
          metricsUrl = srv.url;
          closeServer = srv.close;
          prom = { state: 'listening', url: srv.url };
        },
        (e: unknown) => {
          prom = { state: 'failed', error: errText(e) };
          diag.error(errText(e));
          throw e;
        },
      );
      // Observed here so a caller who never awaits `ready` gets no unhandled rejection;
      // the failure stays visible through `ready` and health().
      ready.catch(() => undefined);
    }
  }

  // Pushgateway (batch jobs): pushed on forceFlush, at shutdown and on every exit path.
  let pusher: PushgatewayPusher | undefined;
  const pg = cfg.disabled ? undefined : cfg.pushgateway;
  if (pg !== undefined) {
    try {
      pusher = new PushgatewayPusher({
        url: pg.url,
        job: pg.job,
        groupingLabels: pg.groupingLabels,
        method: pg.method,
        // A push never outlives the shutdown budget: a hanging gateway must not hold the exit.
        timeoutMs: Math.min(pg.timeoutMs ?? 5000, cfg.shutdownTimeoutMillis),
        headers: pg.headers,
        gzip: pg.gzip,
        intervalMs: pg.intervalMs,
        store,
        resource,
      });
    } catch (e) {
      if (e instanceof PushgatewayConfigError) {
        throw new ConfigError(`pushgateway.${e.field}`, e.message, "pushgateway: { url: 'http://127.0.0.1:9091', job: 'nightly-import' }");
      }
      throw e;
    }
    if (pg.intervalMs !== undefined) pusher.start();
  }
  /** The job succeeded when it was not stopped by a signal and nothing set a failing exit code. */
  let stoppedBySignal = false;
  const succeeded = (code: number | string | null | undefined = process.exitCode): boolean =>
    !stoppedBySignal && (code === undefined || code === null || Number(code) === 0);

  const runtime = cfg.runtimeMetrics ? enableRuntimeMetrics(meterProvider) : undefined;
  const instrumentations = options.instrumentations ?? [];
  const unregisterInstrumentations =
    instrumentations.length > 0
      ? registerInstrumentations({ instrumentations, meterProvider, tracerProvider: tracing.provider })
      : undefined;

  let shutdownDone: Promise<void> | undefined;
  /** Last push at shutdown: stops periodic pushes, then pushes — or deletes the group of a job that succeeded. */
  const finalPush = async (): Promise<void> => {
    if (pusher === undefined) return;
    await pusher.stop().catch(() => undefined);
    if (pg?.deleteOnSuccess && succeeded()) await pusher.delete();
    else await pusher.push();
  };
  let hooks: ExitHooks | undefined;

  const forceFlush = async (o: FlushOptions = {}): Promise<void> => {
    const timeout = o.timeoutMillis ?? cfg.shutdownTimeoutMillis;
    const failures = await settle(
      [
        ...readers.map(({ name, reader }): [string, () => Promise<unknown>] => [name, () => reader.forceFlush({ timeoutMillis: timeout })]),
        ['traces', () => tracing.provider.forceFlush()],
        pusher && ['pushgateway', () => pusher!.push()],
      ],
      timeout,
      'flush',
    );
    if (failures.length > 0) throw new FlushError('forceFlush', failures);
  };

  const shutdown = (o: FlushOptions = {}): Promise<void> => {
    shutdownDone ??= (async () => {
      const timeout = o.timeoutMillis ?? cfg.shutdownTimeoutMillis;
      runtime?.disable();
      unregisterInstrumentations?.();
      const failures = await settle(
        [
          ...readers.map(({ name, reader }): [string, () => Promise<unknown>] => [name, () => reader.shutdown({ timeoutMillis: timeout })]),
          ['traces', () => tracing.provider.shutdown()],
          closeServer && ['prometheus', closeServer],
          pusher && ['pushgateway', finalPush],
        ],
        timeout,
        'shutdown',
      );
      if (prom.state === 'listening') prom = { state: 'closed', url: prom.url };
      meterProvider.shutdown();
      metrics.disable();
      trace.disable();
      // Release the context manager and propagator registerTracing() set (only if they are ours: an
      // application's own stay), or a later initTelemetry() logs "duplicate registration" errors.
      if (ownsContext) context.disable();
      if (ownsPropagation) propagation.disable();
      if (current === handle) current = undefined;
      // The final export happened (or was tried once): the exit hooks have nothing left to do.
      hooks?.markDone();
      hooks?.uninstall();
      if (failures.length > 0) throw new FlushError('shutdown', failures);
    })();
    return shutdownDone;
  };

  const exporterHealth = (): Record<string, ExporterHealth> => {
    const out: Record<string, ExporterHealth> = {};
    for (const r of readers) if (r.health) out[r.name] = r.health();
    return out;
  };

  const handle: Telemetry = {
    config: cfg,
    resource,
    meterProvider,
    tracerProvider: tracing.provider,
    ready,
    metricsHandler,
    get metricsUrl() {
      return metricsUrl;
    },
    meter: (name, version) => meterProvider.getMeter(name, version),
    tracer: (name, version) => tracing.provider.getTracer(name, version),
    forceFlush,
    shutdown,
    health: () => {
      const exporters = exporterHealth();
      const pgHealth = pusher?.health();
      const pgFailing = pgHealth?.lastErrorMs !== undefined && (pgHealth.lastSuccessMs === undefined || pgHealth.lastErrorMs > pgHealth.lastSuccessMs);
      const failing = prom.state === 'failed' || pgFailing || Object.values(exporters).some((h) => h.consecutiveFailures > 0);
      return {
        status: shutdownDone !== undefined ? 'shutdown' : cfg.disabled ? 'disabled' : failing ? 'degraded' : 'ok',
        serviceName: cfg.serviceName,
        serviceInstanceId: cfg.serviceInstanceId,
        uptimeSeconds: (Date.now() - startTimeMs) / 1000,
        series: store.seriesCount,
        prometheus: prom,
        exporters,
        ...(pusher ? { pushgateway: pusher.health() } : {}),
        configWarnings: cfg.warnings,
      };
    },
    snapshot: () => buildSnapshot(store, { startTimeMs, exporters: { ...exporterHealth(), ...(pusher ? { pushgateway: pusher.health() } : {}) } }),
  };
  const flushSync = (exitCode: number | undefined): void => {
    const requests: FinalRequest[] = [];
    if (cfg.otlpMetrics !== undefined && !cfg.disabled) requests.push(otlpFinalRequest(new MetricProducer(store, resource), cfg.otlpMetrics));
    if (pusher !== undefined) {
      const r = pusher.finalRequest(pg?.deleteOnSuccess && succeeded(exitCode) ? 'DELETE' : undefined);
      requests.push({ name: 'pushgateway', ...r });
    }
    reportFinal(sendSync(requests, cfg.shutdownTimeoutMillis));
  };
  if (cfg.shutdownHooks && !cfg.disabled) hooks = installExitHooks({
      flush: (reason) => {
        if (reason === 'signal') stoppedBySignal = true;
        return shutdown();
      },
      flushSync,
    });
  current = handle;
  return handle;
}
