import type { TracerProvider } from '@opentelemetry/api';
import type { MeterProvider } from '@otelkit/metrics';
import { importSync } from './import-sync.js';
import type { HttpInstrumentationSettings } from './options.js';

// Loaded only when asked for: a service without it does not pay the module load at startup.
type InstrumentationModule = typeof import('@otelkit/instrumentation-http');

/**
 * `initTelemetry({ httpInstrumentation })`: otelkit's diagnostics_channel HTTP server
 * instrumentation with initTelemetry()'s providers (the global TracerProvider when otelkit's was
 * not registered). Returns it enabled, or undefined when not asked for.
 */
export function enableHttpInstrumentation(
  option: boolean | HttpInstrumentationSettings | undefined,
  meterProvider: MeterProvider,
  tracerProvider: TracerProvider | undefined,
): { disable(): void } | undefined {
  if (option === undefined || option === false) return undefined;
  const settings = option === true ? {} : option;
  const { HttpInstrumentation } = importSync<InstrumentationModule>('@otelkit/instrumentation-http');
  const instrumentation = new HttpInstrumentation({ ...settings, meterProvider, tracerProvider });
  instrumentation.enable();
  return instrumentation;
}
