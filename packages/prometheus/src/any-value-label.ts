import { attributeNumber } from './escape.js';

/**
 * An attribute value as a Prometheus label value (before escaping), per the OTel common spec's
 * "AnyValue representation for non-OTLP protocols"
 * (https://opentelemetry.io/docs/specs/otel/common/#anyvalue-representation-for-non-otlp-protocols):
 * - strings as they are (not JSON-quoted); booleans `true`/`false`; numbers as JSON numbers, with
 *   `NaN`, `Infinity`, `-Infinity` bare (see {@link attributeNumber} for the positional form the
 *   Collector prints);
 * - byte arrays Base64-encoded (RFC 4648 §4), not quoted;
 * - the empty value (`null`) as the empty string — which Prometheus reads as "no such label", so
 *   the label is left out altogether (labels.ts);
 * - arrays as JSON arrays and maps as JSON objects, whose elements are JSON values: strings as JSON
 *   strings, NaN/Infinity as the JSON strings `"NaN"`/`"Infinity"`/`"-Infinity"`, byte arrays as
 *   Base64 JSON strings, empty values as `null`, nested arrays/maps as JSON arrays/objects.
 * Map members come in sorted key order: the series keeps its maps sorted (packages/metrics
 * any-value.ts), which is also the order the Collector's `pcommon.Value.AsString` (Go
 * `encoding/json` over a Go map) writes them in, so equal maps print alike.
 */
export function anyValueLabel(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
      return attributeNumber(v);
    case 'boolean':
      return v ? 'true' : 'false';
    default:
      break;
  }
  if (v === null || v === undefined) return '';
  if (v instanceof Uint8Array) return base64(v);
  return jsonValue(v, 0);
}

/**
 * Nesting guard for values that did not come through a series (exemplar filtered attributes,
 * resource attributes): series values are already bounded to 16 levels by the metrics package.
 */
const MAX_DEPTH = 32;

function base64(v: Uint8Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
}

function jsonValue(v: unknown, depth: number): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return v - v === 0 ? JSON.stringify(v) : '"' + String(v) + '"';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object':
      break;
    default:
      return 'null';
  }
  if (v === null || depth >= MAX_DEPTH) return 'null';
  if (v instanceof Uint8Array) return '"' + base64(v) + '"';
  if (Array.isArray(v)) {
    let out = '[';
    for (let i = 0; i < v.length; i++) out += (i === 0 ? '' : ',') + jsonValue(v[i], depth + 1);
    return out + ']';
  }
  let out = '{';
  let first = true;
  for (const k of Object.keys(v).sort()) {
    const x = (v as Record<string, unknown>)[k];
    if (x === undefined) continue;
    out += (first ? '' : ',') + JSON.stringify(k) + ':' + jsonValue(x, depth + 1);
    first = false;
  }
  return out + '}';
}
