import { join } from 'node:path';
import { SHIPPED_COLLECTOR_CONFIG, startCollector, type CollectorOptions, type RunningCollector } from './collector.js';
import { sampleValue } from './exposition.js';

/** collector/tiers/agent.yaml: OTLP in, persistent queue (file_storage), OTLP/gRPC to one gateway. */
export const AGENT_COLLECTOR_CONFIG = join(SHIPPED_COLLECTOR_CONFIG, '..', 'collector', 'tiers', 'agent.yaml');
/** collector/tiers/gateway.yaml: OTLP in, remote write and OTLP/HTTP traces out, nothing held. */
export const GATEWAY_COLLECTOR_CONFIG = join(SHIPPED_COLLECTOR_CONFIG, '..', 'collector', 'tiers', 'gateway.yaml');

/**
 * Starts `count` collectors at once, each on its own free loopback ports and temp directory (see
 * {@link startCollector}), collector `i` with `options(i)`. If one fails to start, the others are
 * stopped before the error is thrown.
 */
export async function startCollectors(count: number, options: (index: number) => CollectorOptions): Promise<RunningCollector[]> {
  const started = await Promise.allSettled(Array.from({ length: count }, (_, i) => startCollector(options(i))));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  const ok = started.filter((r): r is PromiseFulfilledResult<RunningCollector> => r.status === 'fulfilled').map((r) => r.value);
  if (failed) {
    await Promise.all(ok.map((c) => c.stop()));
    throw failed.reason;
  }
  return ok;
}

/**
 * The sum of every sample of `name` whose labels include `labels` in a collector's own telemetry
 * (`otelcol_*`, text format), e.g. `otelcol_exporter_queue_size`; 0 when it has no such sample
 * (the Collector creates most counters at their first increment).
 */
export async function collectorTelemetry(collector: RunningCollector, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(collector.telemetryUrl)).text();
  let sum = 0;
  // sampleValue answers the first match; sum over every line of the family instead.
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const v = sampleValue(line, name, labels);
    if (v !== undefined) sum += v;
  }
  return sum;
}
