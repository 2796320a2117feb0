import type { SpanContext } from '@opentelemetry/api';

/**
 * Trace and span id validation, the one place every exporter asks (the exemplar read in
 * `exemplar-reservoir.ts`, the Prometheus exemplar labels, the OTLP encoders).
 *
 * Valid means what W3C Trace Context calls valid: lowercase hex of the right length, not all
 * zeros (https://www.w3.org/TR/trace-context/#trace-id). A buggy propagator can put anything in
 * a SpanContext; an exporter drops such ids rather than write them.
 *
 * A character loop rather than a regular expression: this runs once per exemplar per scrape.
 */
function isNonZeroLowerHex(s: unknown, length: number): boolean {
  if (typeof s !== 'string' || s.length !== length) return false;
  let nonZero = false;
  for (let i = 0; i < length; i++) {
    const c = s.charCodeAt(i);
    if (c === 48) continue;
    if ((c >= 49 && c <= 57) || (c >= 97 && c <= 102)) nonZero = true;
    else return false;
  }
  return nonZero;
}

/** 32 lowercase hex characters, not all zero. */
export function isValidTraceId(traceId: unknown): boolean {
  return isNonZeroLowerHex(traceId, 32);
}

/** 16 lowercase hex characters, not all zero. */
export function isValidSpanId(spanId: unknown): boolean {
  return isNonZeroLowerHex(spanId, 16);
}

/** Both ids valid: an exemplar carries them only as a pair. */
export function hasValidSpanIds(traceId: unknown, spanId: unknown): boolean {
  return isNonZeroLowerHex(traceId, 32) && isNonZeroLowerHex(spanId, 16);
}

/**
 * A copy of `sc` whose ids own their characters, for an exemplar to keep.
 *
 * Why: ids are often cut from a larger string — otelkit's FastIdGenerator slices them from a
 * 4 KiB hex pool — and V8 keeps a slice of 13 or more characters as a view into its parent. A
 * span lives for one request, but a reservoir slot keeps its measurement's ids until it is
 * replaced, which gets rarer as a cycle goes on: thousands of slots could each pin a different
 * 8 KiB pool. Concatenating makes V8 flatten into a new 33-character string before slicing, so
 * the copy retains 33 characters. Paid when a slot is replaced (once per span context), not per record. Anything but a
 * string (a buggy propagator's) is kept as it is: the exporters drop invalid ids.
 */
export function detachedSpanContext(sc: SpanContext): SpanContext {
  // The records of one span offer the same context object again and again (one per instrument and
  // bucket): its copy is kept for the next replacement. Paid: one kept original, one pool at most.
  if (sc === lastOriginal) return lastDetached!;
  const { traceId, spanId } = sc;
  const detached: SpanContext = {
    traceId: typeof traceId === 'string' ? (traceId + ' ').slice(0, -1) : traceId,
    spanId: typeof spanId === 'string' ? (spanId + ' ').slice(0, -1) : spanId,
    traceFlags: sc.traceFlags,
  };
  lastOriginal = sc;
  lastDetached = detached;
  return detached;
}

let lastOriginal: SpanContext | undefined;
let lastDetached: SpanContext | undefined;
