import { diag } from '@opentelemetry/api';
import { createMetricsHandler, startMetricsServer, type MetricsHandler, type MetricsServer } from '@otelkit/prometheus';
import type { ComponentContext, PrometheusEndpointHealth, TelemetryComponent } from './component.js';

/** The Prometheus endpoint plus what the handle exposes of it. */
export interface PrometheusEndpoint extends TelemetryComponent {
  /** The one `/metrics` handler: mounted by the application, and served by the standalone server. */
  readonly handler: MetricsHandler;
  /** Settles when the standalone server listens (at once without one); rejects with its error. */
  readonly ready: Promise<void>;
  /** URL of the standalone server once listening. */
  url(): string | undefined;
}

const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * `/metrics`: ONE handler (one access guard) per endpoint — the standalone server, when started,
 * serves that same handler. Built even when Prometheus is off, as `handle.metricsHandler` always
 * exists (then with defaults and `health().prometheus.state` `disabled`).
 */
export function prometheusEndpoint(ctx: ComponentContext): PrometheusEndpoint {
  const { config } = ctx;
  const prom = config.disabled ? undefined : config.prometheus;
  const path = prom?.path ?? '/metrics';
  const handler = createMetricsHandler({
    store: ctx.scrapeStore ?? ctx.meterProvider.store,
    resource: ctx.resource,
    path,
    auth: prom?.auth,
    scopeLabels: prom?.scopeLabels ?? true,
  });
  let state: PrometheusEndpointHealth = prom === undefined ? { state: 'disabled' } : prom.server ? { state: 'starting' } : { state: 'handler-only' };
  let server: MetricsServer | undefined;
  let ready: Promise<void> = Promise.resolve();
  if (prom?.server === true) {
    ready = startMetricsServer({ host: prom.host, port: prom.port, path, handler }).then(
      (s) => {
        server = s;
        state = { state: 'listening', url: s.url };
      },
      (e: unknown) => {
        state = { state: 'failed', error: errText(e) };
        diag.error(errText(e));
        throw e;
      },
    );
    // Observed here so a caller who never awaits `ready` gets no unhandled rejection;
    // the failure stays visible through `ready` and health().
    ready.catch(() => undefined);
  }
  return {
    name: 'prometheus',
    handler,
    ready,
    url: () => server?.url,
    forceFlush: async () => undefined,
    shutdown: async () => {
      // A server still starting is waited for (bounded by the caller), or it would outlive shutdown().
      await ready.catch(() => undefined);
      if (server === undefined) return;
      await server.close();
      state = { state: 'closed', url: server.url };
    },
    health: () => ({ kind: 'prometheus', report: state, failing: state.state === 'failed' }),
  };
}
