import type { TracerProvider } from '@opentelemetry/api';
import type { MeterProvider } from '@otelkit/metrics';
import { detectHttpCoexistence, warnHttpCoexistence, type HttpCoexistenceFinding } from './http-coexistence.js';
import { importSync } from './import-sync.js';
import type { HttpInstrumentationSettings } from './options.js';

// Loaded only when asked for: a service without it does not pay the module load at startup.
type InstrumentationModule = typeof import('@otelkit/instrumentation-http');

/**
 * `initTelemetry({ httpInstrumentation })`: otelkit's diagnostics_channel HTTP instrumentation
 * with initTelemetry()'s providers (the global TracerProvider when otelkit's was not registered).
 * `true` is the server part alone (what it always meant); `{ client: true }` adds node:http and
 * fetch() client spans. A part another instrumentation already covers is left out, with one
 * warning (http-coexistence.ts). Returns the enabled parts, or undefined when none is.
 */
export function enableHttpInstrumentation(
  option: boolean | HttpInstrumentationSettings | undefined,
  meterProvider: MeterProvider,
  tracerProvider: TracerProvider | undefined,
  instrumentations: readonly unknown[] = [],
): { disable(): void; readonly skipped: readonly HttpCoexistenceFinding[] } | undefined {
  if (option === undefined || option === false) return undefined;
  const settings: HttpInstrumentationSettings = option === true ? {} : option;
  const { server = true, client = false, ignoreIncomingRequest, ignoreOutgoingRequest, redactedQueryParams, requireParentforIncomingSpans, requireParentforOutgoingSpans } = settings;
  const { startIncomingSpanHook, startOutgoingSpanHook, requestHook, responseHook, applyCustomAttributesOnSpan, headersToSpanAttributes } = settings;
  // instrumentation-http's hooks, one set for both sides as there (its types take either side's objects).
  const serverHooks = { startIncomingSpanHook, requestHook, responseHook, applyCustomAttributesOnSpan, headersToSpanAttributes };
  const clientHooks = { startOutgoingSpanHook, requestHook, responseHook, applyCustomAttributesOnSpan, headersToSpanAttributes };
  if (!server && !client) return undefined;
  const skipped = detectHttpCoexistence({ instrumentations }).filter((f) => (f.part === 'server' ? server : client));
  warnHttpCoexistence(skipped);
  const off = new Set(skipped.map((f) => f.part));
  const mod = importSync<InstrumentationModule>('@otelkit/instrumentation-http');
  const parts: { enable(): void; disable(): void }[] = [];
  if (server && !off.has('server')) parts.push(new mod.HttpInstrumentation({ ignoreIncomingRequest, redactedQueryParams, requireParentforIncomingSpans, ...serverHooks, meterProvider, tracerProvider }));
  if (client && !off.has('client-http')) parts.push(new mod.HttpClientInstrumentation({ ignoreOutgoingRequest, redactedQueryParams, requireParentforOutgoingSpans, ...clientHooks, meterProvider, tracerProvider }));
  if (client && !off.has('client-fetch')) parts.push(new mod.UndiciInstrumentation({ ignoreOutgoingRequest, redactedQueryParams, requireParentforOutgoingSpans, ...settings.fetch, meterProvider, tracerProvider }));
  for (const p of parts) p.enable();
  return {
    skipped,
    disable: () => {
      for (const p of parts) p.disable();
    },
  };
}
