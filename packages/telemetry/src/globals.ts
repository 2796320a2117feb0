import { context, metrics, propagation, trace } from '@opentelemetry/api';
import type { TracerProvider } from '@opentelemetry/sdk-trace';
import type { MeterProvider } from '@otelkit/metrics';
import { registerTracing } from './tracing.js';

/** Undoes {@link registerGlobals}. */
export interface Globals {
  release(): void;
}

/**
 * Registers the global MeterProvider and TracerProvider. The context manager and propagator are
 * registered (by registerTracing()) only when nobody registered one before — a second
 * registration is a diag error — and released only when they are ours: an application's own
 * stay, and a later initTelemetry() logs no "duplicate registration" errors.
 */
export function registerGlobals(meterProvider: MeterProvider, tracerProvider: TracerProvider): Globals {
  metrics.setGlobalMeterProvider(meterProvider);
  const apiGlobals = (globalThis as unknown as Record<symbol, Record<string, unknown> | undefined>)[Symbol.for('opentelemetry.js.api.1')];
  const ownsContext = apiGlobals?.context === undefined;
  const ownsPropagation = apiGlobals?.propagation === undefined;
  registerTracing(tracerProvider, { context: ownsContext, propagation: ownsPropagation });
  return {
    release: () => {
      metrics.disable();
      trace.disable();
      if (ownsContext) context.disable();
      if (ownsPropagation) propagation.disable();
    },
  };
}
