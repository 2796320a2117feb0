import type { Attributes } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import { escapeLabelValue } from './escape.js';
import { attributePairs, attributeValueString, joinPairs } from './labels.js';

/**
 * How `target_info` names the service:
 * - `job-instance` (scrapes, the default): as the Collector's Prometheus exporter does —
 *   `service.namespace`/`service.name` → `job`, `service.instance.id` → `instance`, and those three
 *   attributes are not repeated; every other resource attribute is a label.
 * - `attributes` (Pushgateway pushes): every resource attribute is a label (`service_name`, …),
 *   since the gateway overwrites `job` with the grouping key's and the service would be lost.
 */
export type TargetInfoIdentity = 'job-instance' | 'attributes';

interface TargetInfoLines {
  readonly text: string;
  readonly openMetrics: string;
}

const caches: Record<TargetInfoIdentity, WeakMap<Resource, TargetInfoLines>> = {
  'job-instance': new WeakMap(),
  attributes: new WeakMap(),
};

const SERVICE_KEYS = ['service.name', 'service.namespace', 'service.instance.id'];

/**
 * `job="…",instance="…"` from the service attributes, as the Collector derives them
 * (https://opentelemetry.io/docs/specs/otel/compatibility/prometheus_and_openmetrics/#resource-attributes-1):
 * job is `<service.namespace>/<service.name>`, or `<service.name>` without a namespace.
 */
function identityLabels(attrs: Attributes): string {
  const name = attrs['service.name'];
  const ns = attrs['service.namespace'];
  const id = attrs['service.instance.id'];
  let out = '';
  if (name !== undefined && name !== null) {
    const job = ns !== undefined && ns !== null && attributeValueString(ns) !== '' ? `${attributeValueString(ns)}/${attributeValueString(name)}` : attributeValueString(name);
    out += 'job="' + escapeLabelValue(job) + '"';
  }
  if (id !== undefined && id !== null) out += (out === '' ? '' : ',') + 'instance="' + escapeLabelValue(attributeValueString(id)) + '"';
  return out;
}

/**
 * The `target_info` family: one sample, value 1; nothing at all for an empty resource. Text 0.0.4
 * has no info type, so it is a gauge there, and an `info` family named `target` in OpenMetrics.
 *
 * **Deviation** (scrapes): the spec's SDK exporter rule puts every resource attribute, and no other
 * label, on target_info; otelkit follows its Collector rule instead (service.* → job / instance,
 * not repeated), so the service's own /metrics and the Collector's exporter expose the same
 * target_info (issue 15; collector/test demo-parity). On a direct scrape Prometheus assigns `job`
 * and `instance` from the scrape config: with the default `honor_labels: false` it stores these two
 * as `exported_job` / `exported_instance` on target_info only, so `target_info` still joins the
 * service's series `on(job, instance)` and still names the service (docs/DESIGN-NOTES.md).
 */
export function targetInfoLines(resource: Resource, openMetrics: boolean, identity: TargetInfoIdentity = 'job-instance'): string {
  const cache = caches[identity];
  let lines = cache.get(resource);
  if (lines === undefined) {
    const attrs = resource.attributes;
    let labels: string;
    if (identity === 'attributes') {
      labels = joinPairs(attributePairs(attrs, false, 'target_info'));
    } else {
      const rest: Attributes = {};
      for (const k of Object.keys(attrs)) if (!SERVICE_KEYS.includes(k)) rest[k] = attrs[k];
      const ids = identityLabels(attrs);
      const others = joinPairs(attributePairs(rest, false, 'target_info'));
      labels = ids === '' ? others : others === '' ? ids : ids + ',' + others;
    }
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
