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
 * Registers the global MeterProvider and TracerProvider. The context manager and propagator are
 * registered (by registerTracing()) only when nobody registered one before — a second
 * registration is a diag error. Each global is released only when it is ours (`owns`, from
 * inspectCoexistence()): an application's or NodeSDK's own stay registered after shutdown(), and
 * a later initTelemetry() logs no "duplicate registration" errors.
 */
export function registerGlobals(meterProvider: MeterProvider, tracerProvider: TracerProvider, owns: GlobalOwnership): Globals {
  metrics.setGlobalMeterProvider(meterProvider);
  registerTracing(tracerProvider, { context: owns.context, propagation: owns.propagation });
  return {
    release: () => {
      if (owns.metrics) metrics.disable();
      if (owns.trace) trace.disable();
      if (owns.context) context.disable();
      if (owns.propagation) propagation.disable();
    },
  };
}
