import type { Resource } from '@opentelemetry/resources';
import type { TracerProvider } from '@opentelemetry/sdk-trace';
import type { MeterProvider, MetricStore } from '@otelkit/metrics';
import type { ExporterHealth } from '@otelkit/otlp';
import type { PushgatewayHealth } from '@otelkit/prometheus';
import type { ResolvedConfig } from '../config.js';
import type { FinalRequest } from '../final-export.js';
import type { Tracing } from '../tracing.js';

/** State of the Prometheus endpoint, as `health().prometheus` reports it. */
export interface PrometheusEndpointHealth {
  readonly state: 'disabled' | 'handler-only' | 'starting' | 'listening' | 'failed' | 'closed';
  readonly url?: string;
  readonly error?: string;
}

/**
 * What a component reports, and where `health()` / `snapshot()` put it:
 * - `exporter`: `health().exporters[name]` and `snapshot().exporters[name]` (OTLP and the like);
 * - `prometheus`: `health().prometheus`;
 * - `pushgateway`: `health().pushgateway` and `snapshot().exporters.pushgateway`;
 * - `none`: nothing (console exporters, traces without an OTLP exporter).
 * `failing` turns `health().status` to `degraded`.
 */
export type ComponentHealth =
  | { readonly kind: 'exporter'; readonly report: ExporterHealth; readonly failing: boolean }
  | { readonly kind: 'prometheus'; readonly report: PrometheusEndpointHealth; readonly failing: boolean }
  | { readonly kind: 'pushgateway'; readonly report: PushgatewayHealth; readonly failing: boolean }
  | { readonly kind: 'none' };

export const NO_HEALTH: ComponentHealth = Object.freeze({ kind: 'none' });

/** What every component factory gets: the resolved config and the providers it exports from. */
export interface ComponentContext {
  readonly config: ResolvedConfig;
  readonly resource: Resource;
  readonly meterProvider: MeterProvider;
  readonly tracerProvider: TracerProvider;
  /** The trace side built with the provider (its OTLP exporter and batch processor, when configured). */
  readonly tracing?: Tracing;
  /** What /metrics serves when it is not `meterProvider.store`: the cluster primary's merged store. */
  readonly scrapeStore?: MetricStore;
  /** The job succeeded so far: no stopping signal, and `exitCode` (default `process.exitCode`) is 0 or unset. */
  readonly succeeded: (exitCode?: number | string | null) => boolean;
}

/** What the synchronous exit path knows when it asks for final requests. */
export interface FinalContext {
  /** The code the process exits with (1 for a fatal exception). */
  readonly exitCode: number | undefined;
}

/**
 * One exporter (or endpoint) of `initTelemetry()`: everything the handle does with it goes through
 * this interface, so `forceFlush()`, `shutdown()`, `health()`, `snapshot()` and the exit path each
 * iterate one list. A factory `(ctx) => TelemetryComponent | undefined` in its own file builds it
 * (undefined when the config does not ask for it).
 */
export interface TelemetryComponent {
  /** The name failures and health are reported under, e.g. `otlp-metrics`. */
  readonly name: string;
  /** Exports what is recorded now. Rejects with the failure; the caller bounds it by `timeoutMs` too. */
  forceFlush(timeoutMs: number): Promise<void>;
  /** Final export, then stop. Called once. */
  shutdown(timeoutMs: number): Promise<void>;
  health(): ComponentHealth;
  /**
   * The request that delivers this component's last data from the synchronous exit path
   * (`process.exit()`, a fatal exception), built without awaiting anything; sent by a child
   * process (final-export.ts). Absent for components with nothing to send there.
   */
  finalRequest?(ctx: FinalContext): FinalRequest | undefined;
}

/** Builds one component from the context; undefined when the configuration does not ask for it. */
export type ComponentFactory = (ctx: ComponentContext) => TelemetryComponent | undefined;
