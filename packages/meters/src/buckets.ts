/**
 * Latency buckets (seconds) of the coordinator histograms: the HTTP semantic-conventions advice
 * (https://opentelemetry.io/docs/specs/semconv/http/http-metrics/#metric-httpserverrequestduration)
 * extended with 30 s and 60 s, because planner and HGNN paths wait on model calls that take tens of
 * seconds and would otherwise all land in +Inf.
 */
export const LATENCY_BUCKETS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60,
]);

/** Processing-cycle buckets (seconds), as Pulse's `processing_duration_seconds` uses them. */
export const PROCESSING_BUCKETS: readonly number[] = Object.freeze([0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]);
