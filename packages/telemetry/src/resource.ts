import type { AttributeValue } from '@opentelemetry/api';
import { defaultResource, processDetector, resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import type { ResolvedConfig } from './config.js';
import { hostAttributes } from './host-attributes.js';

/**
 * Process attributes that may carry secrets (tokens passed on the command line) and would be
 * published on every scrape through `target_info`: left out.
 */
const DROPPED = ['process.command_args', 'process.command_line'];

/**
 * One Resource for metrics and traces: SDK defaults (`telemetry.sdk.*`), host and process
 * detectors, OTEL_RESOURCE_ATTRIBUTES, options, then the service identity on top.
 * https://opentelemetry.io/docs/specs/otel/resource/sdk/
 */
export function buildResource(cfg: ResolvedConfig): Resource {
  // Only the attributes the detectors know at once: the host detector's `host.id` is a promise
  // (it reads the machine id from disk), and a Resource with pending attributes logs a diag
  // error whenever anything reads it before they settle — the first scrape, say. So the host
  // part is hostDetector's without `host.id`, never started (host-attributes.ts).
  const attrs: Record<string, AttributeValue> = { ...hostAttributes() };
  for (const detector of [processDetector]) {
    const found = detector.detect().attributes ?? {};
    for (const [k, v] of Object.entries(found)) {
      if (v === undefined || DROPPED.includes(k)) continue;
      if (typeof (v as { then?: unknown }).then === 'function') {
        (v as Promise<unknown>).catch(() => undefined);
        continue;
      }
      attrs[k] = v as AttributeValue;
    }
  }
  const service: Record<string, string> = {
    'service.name': cfg.serviceName,
    'service.instance.id': cfg.serviceInstanceId,
  };
  if (cfg.serviceVersion !== undefined) service['service.version'] = cfg.serviceVersion;
  return defaultResource()
    .merge(resourceFromAttributes(attrs))
    .merge(resourceFromAttributes(cfg.resourceAttributes))
    .merge(resourceFromAttributes(service));
}
