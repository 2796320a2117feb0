import { diag, DiagLogLevel, ValueType, type DiagLogger } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  type MetricData,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';

/** Captures diag messages at WARN and above (plus INFO when asked). */
export function captureDiag(level = DiagLogLevel.WARN): { messages: string[]; restore: () => void } {
  const messages: string[] = [];
  const push = (m: string, ...args: unknown[]): void => {
    messages.push([m, ...args.map(String)].join(' '));
  };
  const logger: DiagLogger = { error: push, warn: push, info: push, debug: () => {}, verbose: () => {} };
  diag.setLogger(logger, { logLevel: level, suppressOverrideMessage: true });
  return { messages, restore: () => diag.disable() };
}

export const TRACE_ID = '5b8efff798038103d269b633813fc60c';
export const SPAN_ID = 'eee19b7ec3c1b174';
export const TRACE_ID_2 = '0af7651916cd43dd8448eb211c80319c';
export const SPAN_ID_2 = 'b7ad6b7169203331';

const T0: [number, number] = [1_700_000_000, 123_456_789];
const T1: [number, number] = [1_700_000_060, 5];

function descriptor(name: string, valueType: ValueType, unit = '', description = '') {
  return { name, description, unit, valueType };
}

/**
 * One ResourceMetrics with every point kind otelkit exports, exemplars with and without ids,
 * flags, negative and integer values, and every attribute value type.
 */
export function everyKind(): ResourceMetrics {
  const metrics: MetricData[] = [
    {
      descriptor: descriptor('requests', ValueType.INT, '{request}', 'Requests served'),
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.SUM,
      isMonotonic: true,
      dataPoints: [
        {
          startTime: T0, endTime: T1, attributes: { route: 'fast', code: 200 }, value: 42,
          exemplars: [{ value: 3, timeMs: 1_700_000_030_250, traceId: TRACE_ID, spanId: SPAN_ID, filteredAttributes: {} }],
        } as never,
      ],
    },
    {
      descriptor: descriptor('queue.delta', ValueType.DOUBLE, '{task}'),
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.SUM,
      isMonotonic: false,
      dataPoints: [{ startTime: T0, endTime: T1, attributes: {}, value: -2.5 }],
    },
    {
      descriptor: descriptor('temperature', ValueType.DOUBLE, 'Cel'),
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.GAUGE,
      dataPoints: [
        { startTime: T0, endTime: T1, attributes: { room: 'a' }, value: 21.25 },
        { startTime: T0, endTime: T1, attributes: { room: 'b' }, value: 0, flags: 1 } as never,
      ],
    },
    {
      descriptor: descriptor('latency', ValueType.DOUBLE, 's'),
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.HISTOGRAM,
      dataPoints: [
        {
          startTime: T0, endTime: T1, attributes: { path: '/x' },
          value: { buckets: { boundaries: [0.1, 1, 10], counts: [1, 2, 0, 1] }, sum: 12.6, count: 4, min: 0.05, max: 11 },
          exemplars: [
            { value: 0.05, timeMs: 1_700_000_010_000, traceId: TRACE_ID, spanId: SPAN_ID, filteredAttributes: { user: 'u1' } },
            { value: 11, timeMs: 1_700_000_020_001, traceId: '', spanId: '', filteredAttributes: {} },
            { value: 0.7, timeMs: 1_700_000_020_002, traceId: TRACE_ID_2, spanId: SPAN_ID_2, filteredAttributes: {} },
          ],
        } as never,
        {
          startTime: T0, endTime: T1, attributes: { path: '/empty' },
          value: { buckets: { boundaries: [0.1, 1, 10], counts: [0, 0, 0, 0] }, sum: 0, count: 0, min: undefined, max: undefined },
        },
      ],
    },
    {
      descriptor: descriptor('size', ValueType.DOUBLE, 'By'),
      aggregationTemporality: AggregationTemporality.DELTA,
      dataPointType: DataPointType.EXPONENTIAL_HISTOGRAM,
      dataPoints: [
        {
          startTime: T0, endTime: T1, attributes: {},
          value: { count: 5, sum: 30, scale: -1, zeroCount: 1, positive: { offset: -2, bucketCounts: [1, 0, 3] }, negative: { offset: 0, bucketCounts: [] }, min: 0, max: 16 },
        },
      ],
    },
  ];
  return {
    resource: resourceFromAttributes(
      { 'service.name': 'otlp-test', 'process.pid': 1234, ratio: 0.5, enabled: true, tags: ['a', 'b'] },
      { schemaUrl: 'https://opentelemetry.io/schemas/1.26.0' },
    ),
    scopeMetrics: [
      { scope: { name: 'scope-a', version: '1.2.3', schemaUrl: 'https://opentelemetry.io/schemas/1.24.0' }, metrics },
      {
        scope: { name: 'scope-b' },
        metrics: [
          {
            descriptor: descriptor('offset', ValueType.INT),
            aggregationTemporality: AggregationTemporality.CUMULATIVE,
            dataPointType: DataPointType.GAUGE,
            dataPoints: [{ startTime: T0, endTime: T1, attributes: {}, value: -7 }],
          },
        ],
      },
    ],
  };
}

/** What the receiver's MessageToDict(preserving_proto_field_name=True) must show for {@link everyKind}. */
export function everyKindDecoded(): Record<string, unknown> {
  const start = '1700000000123456789';
  const time = '1700000060000000005';
  const str = (k: string, v: string) => ({ key: k, value: { string_value: v } });
  return {
    resource_metrics: [
      {
        resource: {
          attributes: [
            str('service.name', 'otlp-test'),
            { key: 'process.pid', value: { int_value: '1234' } },
            { key: 'ratio', value: { double_value: 0.5 } },
            { key: 'enabled', value: { bool_value: true } },
            { key: 'tags', value: { array_value: { values: [{ string_value: 'a' }, { string_value: 'b' }] } } },
          ],
        },
        schema_url: 'https://opentelemetry.io/schemas/1.26.0',
        scope_metrics: [
          {
            scope: { name: 'scope-a', version: '1.2.3' },
            schema_url: 'https://opentelemetry.io/schemas/1.24.0',
            metrics: [
              {
                name: 'requests', description: 'Requests served', unit: '{request}',
                sum: {
                  aggregation_temporality: 'AGGREGATION_TEMPORALITY_CUMULATIVE',
                  is_monotonic: true,
                  data_points: [
                    {
                      attributes: [str('route', 'fast'), { key: 'code', value: { int_value: '200' } }],
                      start_time_unix_nano: start, time_unix_nano: time, as_int: '42',
                      exemplars: [{ time_unix_nano: '1700000030250000000', as_int: '3', trace_id: TRACE_ID, span_id: SPAN_ID }],
                    },
                  ],
                },
              },
              {
                name: 'queue.delta', unit: '{task}',
                sum: {
                  aggregation_temporality: 'AGGREGATION_TEMPORALITY_CUMULATIVE',
                  data_points: [{ start_time_unix_nano: start, time_unix_nano: time, as_double: -2.5 }],
                },
              },
              {
                name: 'temperature', unit: 'Cel',
                gauge: {
                  data_points: [
                    { attributes: [str('room', 'a')], start_time_unix_nano: start, time_unix_nano: time, as_double: 21.25 },
                    { attributes: [str('room', 'b')], start_time_unix_nano: start, time_unix_nano: time, as_double: 0, flags: 1 },
                  ],
                },
              },
              {
                name: 'latency', unit: 's',
                histogram: {
                  aggregation_temporality: 'AGGREGATION_TEMPORALITY_CUMULATIVE',
                  data_points: [
                    {
                      attributes: [str('path', '/x')], start_time_unix_nano: start, time_unix_nano: time,
                      count: '4', sum: 12.6, bucket_counts: ['1', '2', '0', '1'], explicit_bounds: [0.1, 1, 10], min: 0.05, max: 11,
                      exemplars: [
                        { time_unix_nano: '1700000010000000000', as_double: 0.05, trace_id: TRACE_ID, span_id: SPAN_ID, filtered_attributes: [str('user', 'u1')] },
                        { time_unix_nano: '1700000020001000000', as_double: 11 },
                        { time_unix_nano: '1700000020002000000', as_double: 0.7, trace_id: TRACE_ID_2, span_id: SPAN_ID_2 },
                      ],
                    },
                    {
                      attributes: [str('path', '/empty')], start_time_unix_nano: start, time_unix_nano: time,
                      sum: 0, bucket_counts: ['0', '0', '0', '0'], explicit_bounds: [0.1, 1, 10],
                    },
                  ],
                },
              },
              {
                name: 'size', unit: 'By',
                exponential_histogram: {
                  aggregation_temporality: 'AGGREGATION_TEMPORALITY_DELTA',
                  data_points: [
                    {
                      start_time_unix_nano: start, time_unix_nano: time, count: '5', sum: 30, scale: -1, zero_count: '1',
                      positive: { offset: -2, bucket_counts: ['1', '0', '3'] }, negative: {}, min: 0, max: 16,
                    },
                  ],
                },
              },
            ],
          },
          {
            scope: { name: 'scope-b' },
            metrics: [{ name: 'offset', gauge: { data_points: [{ start_time_unix_nano: start, time_unix_nano: time, as_int: '-7' }] } }],
          },
        ],
      },
    ],
  };
}
