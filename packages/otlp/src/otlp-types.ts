import type { DataPoint } from '@opentelemetry/sdk-metrics';
import { hasValidSpanIds, type Exemplar } from '@otelkit/metrics';

/**
 * A data point as sdk-metrics defines it, plus what OTLP can carry and sdk-metrics cannot:
 * exemplars (from `@otelkit/metrics` MetricProducer) and `DataPointFlags`.
 * https://github.com/open-telemetry/opentelemetry-proto/blob/v1.5.0/opentelemetry/proto/metrics/v1/metrics.proto
 */
export type OtlpDataPoint<T> = DataPoint<T> & {
  exemplars?: readonly Exemplar[];
  /** DataPointFlags bits; 1 = FLAG_NO_RECORDED_VALUE. Omitted (0) by default. */
  flags?: number;
};

/** OTLP `AggregationTemporality` enum values (sdk-metrics numbers them differently). */
export const OTLP_TEMPORALITY_DELTA = 1;
export const OTLP_TEMPORALITY_CUMULATIVE = 2;

/** Content types of the two OTLP/HTTP encodings. https://opentelemetry.io/docs/specs/otlp/#otlphttp-request */
export const CONTENT_TYPE_PROTOBUF = 'application/x-protobuf';
export const CONTENT_TYPE_JSON = 'application/json';

export type OtlpProtocol = 'http/protobuf' | 'http/json' | 'grpc';
export type OtlpCompression = 'gzip' | 'none';

/**
 * True when an exemplar carries a usable trace/span id pair (the one rule of `@otelkit/metrics`:
 * W3C lowercase hex, not all zero). MetricProducer already blanks invalid ids, but points may
 * come from elsewhere: a bad id is dropped, never sent half-formed.
 */
export function exemplarHasIds(e: Exemplar): boolean {
  return hasValidSpanIds(e.traceId, e.spanId);
}
