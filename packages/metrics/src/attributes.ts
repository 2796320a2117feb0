import type { Attributes, AttributeValue } from '@opentelemetry/api';

/** Result of {@link canonicalAttributes}: a frozen copy with only valid values, and its identity key. */
export interface CanonicalAttributes {
  readonly attributes: Attributes;
  readonly key: string;
  /** Keys that were dropped because their value is not a valid attribute value. */
  readonly dropped: readonly string[];
}

function isPrimitive(v: unknown): v is string | number | boolean {
  const t = typeof v;
  return t === 'string' || t === 'number' || t === 'boolean';
}

/**
 * https://opentelemetry.io/docs/specs/otel/common/#attribute : a value is a primitive or a
 * homogeneous array of primitives (null entries allowed).
 */
export function isAttributeValue(v: unknown): v is AttributeValue {
  if (isPrimitive(v)) return true;
  if (!Array.isArray(v)) return false;
  let type: string | undefined;
  for (const e of v) {
    if (e === null || e === undefined) continue;
    if (!isPrimitive(e)) return false;
    const t = typeof e;
    if (type === undefined) type = t;
    else if (type !== t) return false;
  }
  return true;
}

function valueKey(v: AttributeValue): string {
  // The type tag keeps {a: 1} and {a: '1'} apart.
  if (typeof v === 'string') return 's' + v;
  if (typeof v === 'number') return 'n' + v;
  if (typeof v === 'boolean') return v ? 'T' : 'F';
  return 'a' + JSON.stringify(v);
}

/**
 * Identity key of an attribute set, independent of key order. Precomputed once per new series;
 * the unbound record path calls {@link attributesKey} which avoids the sort when keys already come
 * in order (the common case for literal objects written the same way at each call site).
 */
export function attributesKey(attrs: Attributes | undefined): string {
  if (attrs === undefined || attrs === null) return '';
  let key = '';
  let prev = '';
  let sorted = true;
  for (const k in attrs) {
    if (k < prev) {
      sorted = false;
      break;
    }
    prev = k;
    const v = attrs[k];
    if (v === undefined) continue;
    key += k + '\u0000' + (isPrimitive(v) ? valueKey(v) : isAttributeValue(v) ? valueKey(v) : '?') + '\u0001';
  }
  if (sorted) return key;
  const keys = Object.keys(attrs).sort();
  key = '';
  for (const k of keys) {
    const v = attrs[k];
    if (v === undefined) continue;
    key += k + '\u0000' + (isAttributeValue(v) ? valueKey(v) : '?') + '\u0001';
  }
  return key;
}

/** Copies, validates and freezes an attribute set (rare path: once per new series). */
export function canonicalAttributes(attrs: Attributes | undefined): CanonicalAttributes {
  const out: Attributes = {};
  const dropped: string[] = [];
  if (attrs !== undefined && attrs !== null && typeof attrs === 'object') {
    for (const k of Object.keys(attrs).sort()) {
      const v = attrs[k];
      if (v === undefined) continue;
      if (k.length === 0 || !isAttributeValue(v)) {
        dropped.push(k);
        continue;
      }
      out[k] = Array.isArray(v) ? Object.freeze(v.slice()) as AttributeValue : v;
    }
  }
  return { attributes: Object.freeze(out), key: attributesKey(out), dropped };
}
