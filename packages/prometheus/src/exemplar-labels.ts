import type { Attributes } from '@opentelemetry/api';
import { hasValidSpanIds } from '@otelkit/metrics';
import { escapeLabelValue } from './escape.js';
import { attributeValueString } from './labels.js';
import { prometheusLabelName } from './naming.js';

/**
 * OpenMetrics 1.0 caps an exemplar's label set (names and values together) at 128 UTF-8 code points.
 * https://github.com/prometheus/OpenMetrics/blob/v1.0.0/specification/OpenMetrics.md#exemplars
 */
export const EXEMPLAR_LABEL_BUDGET = 128;

function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/**
 * The `{…}` label set of an exemplar. Trace and span ids are written only when both are valid
 * (32 / 16 lowercase hex, not all zero: `hasValidSpanIds` of `@otelkit/metrics`) — otherwise `{}`. Extra attributes follow while the set
 * stays within {@link EXEMPLAR_LABEL_BUDGET} code points; the rest are dropped rather than
 * letting Prometheus reject the whole scrape. The ids take precedence over a same-named attribute.
 * https://opentelemetry.io/docs/specs/otel/compatibility/prometheus_and_openmetrics/#exemplar-conversion
 */
export function exemplarLabelSet(traceId: string, spanId: string, extra?: Attributes): string {
  let out = '';
  let used = 0;
  const haveIds = hasValidSpanIds(traceId, spanId);
  if (haveIds) {
    out = 'trace_id="' + traceId + '",span_id="' + spanId + '"';
    used = 8 + 32 + 7 + 16;
  }
  if (extra !== undefined) {
    const seen = new Set<string>();
    for (const key of Object.keys(extra).sort()) {
      const v = extra[key];
      if (v === undefined || v === null) continue;
      const name = prometheusLabelName(key);
      if (name === undefined || seen.has(name) || (haveIds && (name === 'trace_id' || name === 'span_id'))) continue;
      const value = attributeValueString(v);
      const cost = codePoints(name) + codePoints(value);
      if (used + cost > EXEMPLAR_LABEL_BUDGET) continue;
      used += cost;
      seen.add(name);
      out += (out === '' ? '' : ',') + name + '="' + escapeLabelValue(value) + '"';
    }
  }
  return '{' + out + '}';
}
