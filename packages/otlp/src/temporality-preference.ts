import { AggregationTemporality, DataPointType, InstrumentType, type MetricData } from '@opentelemetry/sdk-metrics';

/** `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`. */
export type TemporalityPreference = 'cumulative' | 'delta' | 'lowmemory';

export const TEMPORALITY_PREFERENCES: readonly string[] = ['cumulative', 'delta', 'lowmemory'];

/**
 * The temporality an instrument kind is exported with, per
 * https://opentelemetry.io/docs/specs/otel/metrics/sdk_exporters/otlp/#additional-environment-variable-configuration
 *
 * - cumulative: every kind cumulative.
 * - delta: Counter, Asynchronous Counter, Histogram delta; UpDownCounter and Asynchronous
 *   UpDownCounter cumulative.
 * - lowmemory: Counter and Histogram delta; Asynchronous Counter, UpDownCounter and
 *   Asynchronous UpDownCounter cumulative.
 *
 * Gauges have no temporality (returned cumulative, as the SDK's selectors do).
 */
export function temporalityFor(preference: TemporalityPreference, type: InstrumentType): AggregationTemporality {
  if (preference === 'cumulative') return AggregationTemporality.CUMULATIVE;
  switch (type) {
    case InstrumentType.COUNTER:
    case InstrumentType.HISTOGRAM:
      return AggregationTemporality.DELTA;
    case InstrumentType.OBSERVABLE_COUNTER:
      return preference === 'delta' ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE;
    default:
      return AggregationTemporality.CUMULATIVE;
  }
}

/**
 * The instrument kind of exported metric data: the descriptor's `type` when the producer set it
 * (`@otelkit/metrics` and sdk-metrics do), otherwise inferred from the point type — a monotonic
 * sum is read as a synchronous Counter, a non-monotonic one as an UpDownCounter.
 */
export function instrumentTypeOf(metric: MetricData): InstrumentType {
  const declared = (metric.descriptor as { type?: InstrumentType }).type;
  if (declared !== undefined) return declared;
  switch (metric.dataPointType) {
    case DataPointType.HISTOGRAM:
    case DataPointType.EXPONENTIAL_HISTOGRAM:
      return InstrumentType.HISTOGRAM;
    case DataPointType.SUM:
      return metric.isMonotonic ? InstrumentType.COUNTER : InstrumentType.UP_DOWN_COUNTER;
    default:
      return InstrumentType.GAUGE;
  }
}
