import type { ProtobufWriter } from './protobuf-writer.js';

/**
 * OTLP AnyValue / KeyValue encoding (protobuf and JSON) for attribute values of any kind: API 1.10
 * attributes are AnyValues (OTEP 4485) — strings, numbers, booleans, byte arrays (`Uint8Array`),
 * arrays of any values (nested, mixed), plain-object maps, and `null`, the empty value.
 * https://opentelemetry.io/docs/specs/otel/common/#anyvalue
 *
 * - OTLP carries every kind natively: string_value, bool_value, int_value (safe integers),
 *   double_value, bytes_value, array_value, kvlist_value; the empty value is an AnyValue with no
 *   field set ("It is valid for all values to be unspecified in which case this AnyValue is
 *   considered to be empty", common.proto). "AnyValues expressing an empty value … are considered
 *   meaningful and MUST be stored and passed on to processors / exporters" (common spec), so a
 *   `null` attribute or map entry is sent as a KeyValue with an empty value, and a `null` (or
 *   `undefined`) array element as an empty AnyValue that keeps its place in the array.
 * - `undefined` at the top level or in a map means "no attribute" (API 1.10): left out.
 * - OTLP/JSON: bytes_value is base64 (proto3 JSON; only trace/span ids are hex), int_value a decimal
 *   string, non-finite doubles the strings "NaN" / "Infinity" / "-Infinity", the empty value `{}`.
 *   https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding
 * Field numbers: opentelemetry-proto common/v1/common.proto, checked against the descriptors of
 * the PyPI package opentelemetry-proto (the decoder the tests use).
 */
const KV_KEY = 1, KV_VALUE = 2;
const AV_STRING = 1, AV_BOOL = 2, AV_INT = 3, AV_DOUBLE = 4, AV_ARRAY = 5, AV_KVLIST = 6, AV_BYTES = 7;
const LIST_VALUES = 1;

/**
 * Nesting guard for values that did not come through a series (resource attributes, exemplar
 * filtered attributes): series values are already bounded to 16 levels (packages/metrics
 * any-value.ts). Deeper values are written as the empty value, never as unbounded recursion.
 */
const MAX_DEPTH = 32;

/** Repeated KeyValue `field` for an attribute set (or a kvlist's entries). */
export function writeKeyValues(w: ProtobufWriter, field: number, attrs: Readonly<Record<string, unknown>>, depth = 0): void {
  for (const key in attrs) {
    const v = attrs[key];
    if (v === undefined) continue;
    const m = w.beginLen(field);
    w.string(KV_KEY, key);
    const av = w.beginLen(KV_VALUE);
    writeAnyValue(w, v, depth);
    w.endLen(av);
    w.endLen(m);
  }
}

/** The fields of an AnyValue message (without its own tag/length); nothing for the empty value. */
export function writeAnyValue(w: ProtobufWriter, v: unknown, depth = 0): void {
  switch (typeof v) {
    case 'string':
      w.string(AV_STRING, v);
      return;
    case 'boolean':
      w.boolField(AV_BOOL, v);
      return;
    case 'number':
      if (Number.isSafeInteger(v)) w.int64Field(AV_INT, v);
      else w.doubleField(AV_DOUBLE, v);
      return;
    case 'object':
      break;
    default:
      return;
  }
  if (v === null || depth >= MAX_DEPTH) return;
  if (v instanceof Uint8Array) {
    w.bytes(AV_BYTES, v);
  } else if (Array.isArray(v)) {
    const m = w.beginLen(AV_ARRAY);
    for (const item of v) {
      const im = w.beginLen(LIST_VALUES);
      writeAnyValue(w, item, depth + 1);
      w.endLen(im);
    }
    w.endLen(m);
  } else {
    const m = w.beginLen(AV_KVLIST);
    writeKeyValues(w, LIST_VALUES, v as Record<string, unknown>, depth + 1);
    w.endLen(m);
  }
}

type Json = Record<string, unknown>;

/** OTLP/JSON KeyValue list for an attribute set (or a kvlist's entries). */
export function keyValuesJson(attrs: Readonly<Record<string, unknown>>, depth = 0): Json[] {
  const out: Json[] = [];
  for (const key in attrs) {
    const v = attrs[key];
    if (v === undefined) continue;
    out.push({ key, value: anyValueJson(v, depth) });
  }
  return out;
}

/** OTLP/JSON AnyValue; `{}` for the empty value. */
export function anyValueJson(v: unknown, depth = 0): Json {
  switch (typeof v) {
    case 'string':
      return { stringValue: v };
    case 'boolean':
      return { boolValue: v };
    case 'number':
      if (Number.isSafeInteger(v)) return { intValue: String(v) };
      return { doubleValue: Number.isFinite(v) ? v : v !== v ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity' };
    case 'object':
      break;
    default:
      return {};
  }
  if (v === null || depth >= MAX_DEPTH) return {};
  if (v instanceof Uint8Array) return { bytesValue: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
  if (Array.isArray(v)) return { arrayValue: { values: v.map((x) => anyValueJson(x, depth + 1)) } };
  return { kvlistValue: { values: keyValuesJson(v as Record<string, unknown>, depth + 1) } };
}
