import { detectResources, defaultResource, hostDetector, processDetector, resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import type { ResolvedConfig } from './config.js';

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
  const detected = detectResources({ detectors: [hostDetector, processDetector] });
  const attrs = { ...detected.attributes };
  for (const k of DROPPED) delete attrs[k];
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
