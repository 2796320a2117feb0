import { ValueType, type Attributes, type HrTime } from '@opentelemetry/api';
import { millisToHrTime } from '@opentelemetry/core';
import {
  AggregationTemporality,
  DataPointType,
  type ExponentialHistogram,
  type Histogram,
  type MetricData,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import type { Exemplar } from '@otelkit/metrics';
import { writeKeyValues } from './any-value-encoding.js';
import { ProtobufWriter } from './protobuf-writer.js';
import { exemplarHasIds, OTLP_TEMPORALITY_CUMULATIVE, OTLP_TEMPORALITY_DELTA, type OtlpDataPoint } from './otlp-types.js';

// Field numbers: opentelemetry-proto v1.x, checked against the descriptors of the PyPI package
// opentelemetry-proto 1.45.2 (collector/metrics/v1, metrics/v1, common/v1, resource/v1).
const REQ_RESOURCE_METRICS = 1;
const RM_RESOURCE = 1, RM_SCOPE_METRICS = 2, RM_SCHEMA_URL = 3;
const RES_ATTRIBUTES = 1;
const SM_SCOPE = 1, SM_METRICS = 2, SM_SCHEMA_URL = 3;
const SCOPE_NAME = 1, SCOPE_VERSION = 2;
const M_NAME = 1, M_DESCRIPTION = 2, M_UNIT = 3, M_GAUGE = 5, M_SUM = 7, M_HISTOGRAM = 9, M_EXP_HISTOGRAM = 10;
const DATA_POINTS = 1, TEMPORALITY = 2, SUM_IS_MONOTONIC = 3;
const NDP_START = 2, NDP_TIME = 3, NDP_AS_DOUBLE = 4, NDP_EXEMPLARS = 5, NDP_AS_INT = 6, NDP_ATTRIBUTES = 7, NDP_FLAGS = 8;
const HDP_START = 2, HDP_TIME = 3, HDP_COUNT = 4, HDP_SUM = 5, HDP_BUCKET_COUNTS = 6, HDP_EXPLICIT_BOUNDS = 7,
  HDP_EXEMPLARS = 8, HDP_ATTRIBUTES = 9, HDP_FLAGS = 10, HDP_MIN = 11, HDP_MAX = 12;
const EDP_ATTRIBUTES = 1, EDP_START = 2, EDP_TIME = 3, EDP_COUNT = 4, EDP_SUM = 5, EDP_SCALE = 6, EDP_ZERO_COUNT = 7,
  EDP_POSITIVE = 8, EDP_NEGATIVE = 9, EDP_FLAGS = 10, EDP_EXEMPLARS = 11, EDP_MIN = 12, EDP_MAX = 13;
const BUCKETS_OFFSET = 1, BUCKETS_COUNTS = 2;
const EX_TIME = 2, EX_AS_DOUBLE = 3, EX_SPAN_ID = 4, EX_TRACE_ID = 5, EX_AS_INT = 6, EX_FILTERED_ATTRIBUTES = 7;
// KeyValue / AnyValue: any-value-encoding.ts.

/**
 * Serializes one or more `ResourceMetrics` into an OTLP `ExportMetricsServiceRequest` (protobuf
 * wire format), exemplars included: trace_id / span_id as 16 / 8 raw bytes, time_unix_nano as
 * fixed64, the value in the data point's own type (as_int for integer sums, as_double otherwise).
 *
 * @example
 * const body = encodeMetricsProtobuf((await producer.collect()).resourceMetrics);
 */
export function encodeMetricsProtobuf(metrics: ResourceMetrics | readonly ResourceMetrics[]): Uint8Array {
  const w = new ProtobufWriter(16 * 1024);
  for (const rm of Array.isArray(metrics) ? (metrics as readonly ResourceMetrics[]) : [metrics as ResourceMetrics]) {
    const mark = w.beginLen(REQ_RESOURCE_METRICS);
    writeResourceMetrics(w, rm);
    w.endLen(mark);
  }
  // Copy out of the writer's oversized buffer so the result does not pin it.
  return w.finish().slice();
}

function writeResourceMetrics(w: ProtobufWriter, rm: ResourceMetrics): void {
  const res = w.beginLen(RM_RESOURCE);
  writeAttributes(w, RES_ATTRIBUTES, rm.resource.attributes);
  w.endLen(res);
  for (const sm of rm.scopeMetrics) {
    const m = w.beginLen(RM_SCOPE_METRICS);
    const scope = w.beginLen(SM_SCOPE);
    if (sm.scope.name) w.string(SCOPE_NAME, sm.scope.name);
    if (sm.scope.version) w.string(SCOPE_VERSION, sm.scope.version);
    w.endLen(scope);
    for (const md of sm.metrics) {
      const mm = w.beginLen(SM_METRICS);
      writeMetric(w, md);
      w.endLen(mm);
    }
    if (sm.scope.schemaUrl) w.string(SM_SCHEMA_URL, sm.scope.schemaUrl);
    w.endLen(m);
  }
  if (rm.resource.schemaUrl) w.string(RM_SCHEMA_URL, rm.resource.schemaUrl);
}

function otlpTemporality(t: AggregationTemporality): number {
  return t === AggregationTemporality.DELTA ? OTLP_TEMPORALITY_DELTA : OTLP_TEMPORALITY_CUMULATIVE;
}

function writeMetric(w: ProtobufWriter, md: MetricData): void {
  const d = md.descriptor;
  w.string(M_NAME, d.name);
  if (d.description) w.string(M_DESCRIPTION, d.description);
  if (d.unit) w.string(M_UNIT, d.unit);
  const integer = d.valueType === ValueType.INT;
  switch (md.dataPointType) {
    case DataPointType.SUM: {
      const m = w.beginLen(M_SUM);
      for (const p of md.dataPoints) writeNumberPoint(w, p, integer);
      w.uint32Field(TEMPORALITY, otlpTemporality(md.aggregationTemporality));
      if (md.isMonotonic) w.boolField(SUM_IS_MONOTONIC, true);
      w.endLen(m);
      return;
    }
    case DataPointType.GAUGE: {
      const m = w.beginLen(M_GAUGE);
      for (const p of md.dataPoints) writeNumberPoint(w, p, integer);
      w.endLen(m);
      return;
    }
    case DataPointType.HISTOGRAM: {
      const m = w.beginLen(M_HISTOGRAM);
      for (const p of md.dataPoints) writeHistogramPoint(w, p);
      w.uint32Field(TEMPORALITY, otlpTemporality(md.aggregationTemporality));
      w.endLen(m);
      return;
    }
    case DataPointType.EXPONENTIAL_HISTOGRAM: {
      const m = w.beginLen(M_EXP_HISTOGRAM);
      for (const p of md.dataPoints) writeExponentialPoint(w, p);
      w.uint32Field(TEMPORALITY, otlpTemporality(md.aggregationTemporality));
      w.endLen(m);
      return;
    }
  }
}

function writeTime(w: ProtobufWriter, field: number, t: HrTime): void {
  w.hrTimeField(field, t[0], t[1]);
}

function writeNumberPoint(w: ProtobufWriter, p: OtlpDataPoint<number>, integer: boolean): void {
  const m = w.beginLen(DATA_POINTS);
  writeTime(w, NDP_START, p.startTime);
  writeTime(w, NDP_TIME, p.endTime);
  const intValue = integer && Number.isSafeInteger(p.value);
  if (intValue) w.sfixed64Field(NDP_AS_INT, p.value);
  else w.doubleField(NDP_AS_DOUBLE, p.value);
  if (p.exemplars !== undefined) for (const e of p.exemplars) writeExemplar(w, NDP_EXEMPLARS, e, intValue);
  writeAttributes(w, NDP_ATTRIBUTES, p.attributes);
  if (p.flags) w.uint32Field(NDP_FLAGS, p.flags);
  w.endLen(m);
}

function writeHistogramPoint(w: ProtobufWriter, p: OtlpDataPoint<Histogram>): void {
  const h = p.value;
  const m = w.beginLen(DATA_POINTS);
  writeTime(w, HDP_START, p.startTime);
  writeTime(w, HDP_TIME, p.endTime);
  w.fixed64Field(HDP_COUNT, h.count);
  if (h.sum !== undefined) w.doubleField(HDP_SUM, h.sum);
  w.packedFixed64(HDP_BUCKET_COUNTS, h.buckets.counts);
  w.packedDouble(HDP_EXPLICIT_BOUNDS, h.buckets.boundaries);
  if (p.exemplars !== undefined) for (const e of p.exemplars) writeExemplar(w, HDP_EXEMPLARS, e, false);
  writeAttributes(w, HDP_ATTRIBUTES, p.attributes);
  if (p.flags) w.uint32Field(HDP_FLAGS, p.flags);
  if (h.min !== undefined) w.doubleField(HDP_MIN, h.min);
  if (h.max !== undefined) w.doubleField(HDP_MAX, h.max);
  w.endLen(m);
}

function writeExponentialPoint(w: ProtobufWriter, p: OtlpDataPoint<ExponentialHistogram>): void {
  const h = p.value;
  const m = w.beginLen(DATA_POINTS);
  writeAttributes(w, EDP_ATTRIBUTES, p.attributes);
  writeTime(w, EDP_START, p.startTime);
  writeTime(w, EDP_TIME, p.endTime);
  w.fixed64Field(EDP_COUNT, h.count);
  if (h.sum !== undefined) w.doubleField(EDP_SUM, h.sum);
  if (h.scale !== 0) w.sint32Field(EDP_SCALE, h.scale);
  if (h.zeroCount !== 0) w.fixed64Field(EDP_ZERO_COUNT, h.zeroCount);
  for (const [field, b] of [[EDP_POSITIVE, h.positive], [EDP_NEGATIVE, h.negative]] as const) {
    const bm = w.beginLen(field);
    if (b.offset !== 0) w.sint32Field(BUCKETS_OFFSET, b.offset);
    w.packedUint64(BUCKETS_COUNTS, b.bucketCounts);
    w.endLen(bm);
  }
  if (p.flags) w.uint32Field(EDP_FLAGS, p.flags);
  if (p.exemplars !== undefined) for (const e of p.exemplars) writeExemplar(w, EDP_EXEMPLARS, e, false);
  if (h.min !== undefined) w.doubleField(EDP_MIN, h.min);
  if (h.max !== undefined) w.doubleField(EDP_MAX, h.max);
  w.endLen(m);
}

function writeExemplar(w: ProtobufWriter, field: number, e: Exemplar, integer: boolean): void {
  const m = w.beginLen(field);
  const t = millisToHrTime(e.timeMs);
  writeTime(w, EX_TIME, t);
  if (integer && Number.isSafeInteger(e.value)) w.sfixed64Field(EX_AS_INT, e.value);
  else w.doubleField(EX_AS_DOUBLE, e.value);
  if (exemplarHasIds(e)) {
    w.hexBytes(EX_SPAN_ID, e.spanId);
    w.hexBytes(EX_TRACE_ID, e.traceId);
  }
  writeAttributes(w, EX_FILTERED_ATTRIBUTES, e.filteredAttributes);
  w.endLen(m);
}

function writeAttributes(w: ProtobufWriter, field: number, attrs: Attributes): void {
  writeKeyValues(w, field, attrs);
}
