import type { Attributes, AttributeValue } from '@opentelemetry/api';

/** Result of {@link canonicalAttributes}: a frozen copy with only valid values, keys sorted. */
export interface CanonicalAttributes {
  readonly attributes: Attributes;
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
  return { attributes: Object.freeze(out), dropped };
}
