/**
 * Milliseconds to wait according to a `Retry-After` header (delta-seconds or HTTP-date), or
 * undefined when absent or unparseable (the caller then falls back to its own backoff).
 * A date in the past means "now" (0).
 * https://www.rfc-editor.org/rfc/rfc9110#field.retry-after
 * https://opentelemetry.io/docs/specs/otlp/#otlphttp-throttling
 */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const v = (Array.isArray(value) ? value[0] ?? '' : value).trim();
  if (v === '') return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  // Every HTTP-date form (IMF-fixdate, RFC 850, asctime) names the weekday; without this check
  // Date.parse would read "-5" as the year -5.
  if (!/^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)/.test(v)) return undefined;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}
