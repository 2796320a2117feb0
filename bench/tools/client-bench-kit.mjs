// What the HTTP client cost tools (http-client-cost, http-client-overhead, undici-channel-cost)
// share: their command-line numbers, the SDK pieces both instrumentations report to (AsyncLocalStorage
// context, W3C propagation, AlwaysOn sampling, a BatchSpanProcessor to a counting exporter,
// otelkit's MeterProvider) and the interleaved rounds they time variants in.
import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { MeterProvider } from '@otelkit/metrics';

/** `--name <number>` from the command line, or `dflt`. */
export const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};

/** Registers the context manager and propagator; returns the providers and the count of exported spans. */
export function clientSdk() {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  let exported = 0;
  const exporter = { export: (spans, cb) => ((exported += spans.length), cb({ code: 0 })), shutdown: async () => undefined, forceFlush: async () => undefined };
  const tracerProvider = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter, maxQueueSize: 65536, maxExportBatchSize: 4096, scheduledDelayMillis: 200 })] });
  return { tracerProvider, meterProvider: new MeterProvider(), exported: () => exported };
}

/**
 * Times every variant (`{ on(), off() }`) with `measure(variant, n)` (CPU per request): one warm-up
 * batch of `warmup` each, then `rounds` rounds of `requests`, the variants in a shuffled order each
 * round. Returns the per-round results by variant name.
 */
export async function interleave(variants, measure, { warmup, requests, rounds }) {
  const results = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (const v of Object.values(variants)) {
    v.on();
    await measure(v, warmup);
    v.off();
  }
  for (let r = 0; r < rounds; r++) {
    for (const [k, v] of Object.entries(variants).sort(() => Math.random() - 0.5)) {
      v.on();
      results[k].push(await measure(v, requests));
      v.off();
    }
  }
  return results;
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
