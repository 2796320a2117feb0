import type { Resource } from '@opentelemetry/resources';
import { attributePairs, joinPairs } from './labels.js';

interface TargetInfoLines {
  readonly text: string;
  readonly openMetrics: string;
}

const cache = new WeakMap<Resource, TargetInfoLines>();

/**
 * The `target_info` family: one sample, value 1, whose labels are the resource attributes and
 * nothing else; nothing at all for an empty resource. Text 0.0.4 has no info type, so it is a
 * gauge there, and an `info` family named `target` in OpenMetrics.
 * https://opentelemetry.io/docs/specs/otel/compatibility/prometheus_and_openmetrics/#resource-attributes-1
 * Unlike the Collector's exporter (which serves many targets), service.name / service.instance.id
 * stay on target_info: the scraping Prometheus sets job and instance itself.
 */
export function targetInfoLines(resource: Resource, openMetrics: boolean): string {
  let lines = cache.get(resource);
  if (lines === undefined) {
    const labels = joinPairs(attributePairs(resource.attributes, false, 'target_info'));
    lines =
      labels === ''
        ? { text: '', openMetrics: '' }
        : {
            text: '# HELP target_info Target metadata\n# TYPE target_info gauge\ntarget_info{' + labels + '} 1\n',
            openMetrics: '# HELP target Target metadata\n# TYPE target info\ntarget_info{' + labels + '} 1\n',
          };
    // Attributes still being detected may change: cache only the settled form.
    if (resource.asyncAttributesPending !== true) cache.set(resource, lines);
  }
  return openMetrics ? lines.openMetrics : lines.text;
}
