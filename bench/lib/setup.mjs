import promClient from 'prom-client';
import { MeterProvider as SdkMeterProvider } from '@opentelemetry/sdk-metrics';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { MeterProvider as OtelkitMeterProvider } from '@otelkit/metrics';

/** prom-client's default buckets, used by all three contestants so that bucket search costs the same. */
export const BUCKETS = Object.freeze([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);

/**
 * 1024 latencies spread over the buckets (log-uniform 1 ms … 20 s, deterministic), so a histogram
 * record walks a realistic number of boundaries instead of always stopping at the first.
 */
export const VALUES = Object.freeze(
  Array.from({ length: 1024 }, (_, i) => {
    const u = ((i * 2654435761) >>> 0) / 2 ** 32;
    return 0.001 * Math.pow(20000, u);
  }),
);

/** A prom-client registry of its own (never the global one), text 0.0.4 or OpenMetrics. */
export function promRegistry(openMetrics = false) {
  return new promClient.Registry(openMetrics ? promClient.Registry.OPENMETRICS_CONTENT_TYPE : promClient.Registry.PROMETHEUS_CONTENT_TYPE);
}

export { promClient };

/**
 * Raw OpenTelemetry JS as its docs set it up for Prometheus: sdk-metrics MeterProvider with a
 * PrometheusExporter reader (no server). `collectText()` is what its /metrics handler does:
 * collect, then serialize.
 */
export function otelSdk({ cardinalityLimit } = {}) {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const views = cardinalityLimit ? [{ instrumentName: '*', aggregationCardinalityLimit: cardinalityLimit }] : [];
  const provider = new SdkMeterProvider({ readers: [exporter], views });
  const meter = provider.getMeter('bench');
  // The exporter's own serializer is private; a PrometheusSerializer with its defaults is the same.
  const serializer = new PrometheusSerializer();
  return {
    provider,
    exporter,
    meter,
    async collectText() {
      const { resourceMetrics } = await exporter.collect();
      return serializer.serialize(resourceMetrics);
    },
    shutdown: () => provider.shutdown(),
  };
}

/** otelkit's MeterProvider; exemplars off unless the scenario is about them. */
export function otelkit({ exemplarFilter = 'always_off', cardinalityLimit } = {}) {
  const provider = new OtelkitMeterProvider({ exemplarFilter, cardinalityLimit });
  return { provider, meter: provider.getMeter('bench'), store: provider.store };
}

/** Loads an otelkit package built by another workspace; undefined (with the reason) when its dist is missing. */
export async function optionalImport(specifier) {
  try {
    return { module: await import(specifier) };
  } catch (e) {
    return { reason: `${specifier} not importable (${e.code ?? e.message}); run \`npm run build\`` };
  }
}

/**
 * otelkit's scrape (what its /metrics handler runs before writing): one `store.collect()` around
 * the serializer (observe, serialize, end the exemplar cycle). `{ skip }` while
 * `@otelkit/prometheus` is not built.
 */
export async function otelkitScrape(store, format = 'text') {
  const { module: prom, reason } = await optionalImport('@otelkit/prometheus');
  const serialize = format === 'openmetrics' ? prom?.serializeOpenMetrics : prom?.serializeText;
  if (typeof serialize !== 'function') return { skip: reason ?? `@otelkit/prometheus has no ${format === 'openmetrics' ? 'serializeOpenMetrics' : 'serializeText'} yet` };
  return {
    scrape: async () => (await store.collect((view) => serialize(view))).result,
  };
}
