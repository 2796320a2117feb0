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
