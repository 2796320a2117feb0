import { context, metrics, propagation, trace } from '@opentelemetry/api';
import type { TracerProvider } from '@opentelemetry/sdk-trace';
import type { MeterProvider } from '@otelkit/metrics';
import type { GlobalOwnership } from './coexistence.js';
import { registerTracing } from './tracing.js';

/** Undoes {@link registerGlobals}. */
export interface Globals {
  release(): void;
}

/**
 * Registers the global MeterProvider, TracerProvider, context manager and propagator — each only
 * when it is free (`owns`, from inspectCoexistence(): a second registration is a diag error and
 * replaces nothing) — and releases at shutdown exactly what the API accepted: an application's or
 * NodeSDK's own stay registered after shutdown(), and a later initTelemetry() logs no
 * "duplicate registration" errors.
 */
export function registerGlobals(meterProvider: MeterProvider, tracerProvider: TracerProvider, owns: GlobalOwnership): Globals {
  const metricsSet = owns.metrics && metrics.setGlobalMeterProvider(meterProvider);
  const set = registerTracing(tracerProvider, owns);
  return {
    release: () => {
      if (metricsSet) metrics.disable();
      if (set.trace) trace.disable();
      if (set.context) context.disable();
      if (set.propagation) propagation.disable();
    },
  };
}
