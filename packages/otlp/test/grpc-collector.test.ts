import { expect } from 'chai';
import { ValueType } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { otlpToFileCollectorConfig, type RunningCollector, startCollector, waitFor } from '@otelkit/testkit';
import { grpcTransport, OTLPMetricExporter, type OtlpCompression } from '../src/index.js';
import { everyKind, SPAN_ID, SPAN_ID_2, TRACE_ID, TRACE_ID_2 } from './fixtures.js';

// The real OpenTelemetry Collector (collector/builder-config.yaml) with only an OTLP receiver and
// a file exporter for metrics: each request it receives is written back as one OTLP/JSON line,
// so the test reads exactly what the collector decoded. health_check is what startCollector()
// waits on; the variables are the ones it fills with free loopback ports.
const CONFIG = otlpToFileCollectorConfig(['grpc', 'http']);

const T0: [number, number] = [1_700_000_000, 1];
const T1: [number, number] = [1_700_000_100, 999_999_999];

/** Values that only survive a transport that keeps every bit: float edge cases, 2^53 − 1. */
function edgeValues(marker: string): ResourceMetrics {
  const gauge = [0.1 + 0.2, 5e-324, -1.7976931348623157e308, 1 / 3];
  return {
    resource: resourceFromAttributes({ 'service.name': 'grpc-edge', marker }),
    scopeMetrics: [{
      scope: { name: 'edge' },
      metrics: [
        {
          descriptor: { name: 'big', description: '', unit: '1', valueType: ValueType.INT },
          aggregationTemporality: AggregationTemporality.CUMULATIVE,
          dataPointType: DataPointType.SUM,
          isMonotonic: true,
          dataPoints: [{
            startTime: T0, endTime: T1, attributes: { k: 'v' }, value: Number.MAX_SAFE_INTEGER,
            exemplars: [{ value: 9_007_199_254_740_990, timeMs: 1_700_000_050_123, traceId: TRACE_ID_2, spanId: SPAN_ID_2, filteredAttributes: { user: 'ü' } }],
          } as never],
        },
        {
          descriptor: { name: 'edge', description: '', unit: '1', valueType: ValueType.DOUBLE },
          aggregationTemporality: AggregationTemporality.CUMULATIVE,
          dataPointType: DataPointType.GAUGE,
          dataPoints: gauge.map((value, i) => ({ startTime: T0, endTime: T1, attributes: { i }, value })),
        },
      ],
    }],
  };
}

describe('OTLP/gRPC export to the real OpenTelemetry Collector', () => {
  let collector: RunningCollector;

  before(async function () {
    this.timeout(900_000); // the first run may build the collector
    collector = await startCollector({ configYaml: CONFIG });
  });
  after(async () => collector?.stop());

  const lines = async (marker: string, n: number): Promise<any[]> =>
    waitFor(`${n} request(s) marked ${marker} in the collector's file`, async () => {
      const found = (await collector.readTraceFile()).filter((l) =>
        l.resourceMetrics?.[0]?.resource?.attributes?.some((a: any) => a.key === 'marker' && a.value.stringValue === marker) ||
        l.resourceMetrics?.[0]?.resource?.attributes?.some((a: any) => a.key === 'process.pid' && String(a.value.intValue) === marker));
      return found.length >= n ? found : undefined;
    }, 10_000, 100);

  const exportOver = async (transport: 'grpc' | 'http', compression: OtlpCompression, metrics: ResourceMetrics): Promise<void> => {
    const exporter = transport === 'grpc'
      ? new OTLPMetricExporter({ url: `http://${collector.otlpGrpcEndpoint}`, compression, timeoutMillis: 5000, headers: { 'x-tenant': 't1' } }, { transport: grpcTransport() })
      : new OTLPMetricExporter({ url: `${collector.otlpHttpUrl}/v1/metrics`, compression, timeoutMillis: 5000 });
    try {
      const r = await exporter.exportAsync(metrics);
      expect(r.code, r.error?.message).to.equal(ExportResultCode.SUCCESS);
    } finally {
      await exporter.shutdown();
    }
  };

  /** every kind, with the pid attribute changed to tell the requests apart in the file. */
  const marked = (marker: number): ResourceMetrics => {
    const rm = everyKind();
    return { ...rm, resource: resourceFromAttributes({ ...rm.resource.attributes, 'process.pid': marker }, { schemaUrl: rm.resource.schemaUrl }) };
  };

  for (const compression of ['none', 'gzip'] as const) {
    it(`compression ${compression}: the collector receives over gRPC exactly what it receives over OTLP/HTTP`, async () => {
      const grpcMarker = compression === 'gzip' ? 2001 : 1001;
      await exportOver('grpc', compression, marked(grpcMarker));
      await exportOver('http', compression, marked(grpcMarker + 1));
      const [viaGrpc] = await lines(String(grpcMarker), 1);
      const [viaHttp] = await lines(String(grpcMarker + 1), 1);
      const strip = (l: any): any => JSON.parse(JSON.stringify(l).replace(`"intValue":"${grpcMarker + 1}"`, `"intValue":"${grpcMarker}"`));
      expect(viaGrpc).to.deep.equal(strip(viaHttp));

      // And it is what was recorded: values and exemplars, exactly.
      const metrics = viaGrpc.resourceMetrics[0].scopeMetrics[0].metrics;
      const byName = (n: string): any => metrics.find((m: any) => m.name === n);
      const requests = byName('requests').sum.dataPoints[0];
      expect(requests.asInt).to.equal('42');
      expect(requests.exemplars).to.deep.equal([{ timeUnixNano: '1700000030250000000', asInt: '3', traceId: TRACE_ID, spanId: SPAN_ID }]);
      const latency = byName('latency').histogram.dataPoints[0];
      expect(latency).to.include({ count: '4', sum: 12.6, min: 0.05, max: 11 });
      expect(latency.bucketCounts).to.deep.equal(['1', '2', '0', '1']);
      expect(latency.explicitBounds).to.deep.equal([0.1, 1, 10]);
      expect(latency.exemplars).to.deep.equal([
        { timeUnixNano: '1700000010000000000', asDouble: 0.05, traceId: TRACE_ID, spanId: SPAN_ID, filteredAttributes: [{ key: 'user', value: { stringValue: 'u1' } }] },
        { timeUnixNano: '1700000020001000000', asDouble: 11 },
        { timeUnixNano: '1700000020002000000', asDouble: 0.7, traceId: TRACE_ID_2, spanId: SPAN_ID_2 },
      ]);
      expect(byName('queue.delta').sum.dataPoints[0].asDouble).to.equal(-2.5);
      expect(byName('size').exponentialHistogram.dataPoints[0]).to.deep.include({ count: '5', sum: 30, scale: -1, zeroCount: '1', positive: { offset: -2, bucketCounts: ['1', '0', '3'] } });
    });
  }

  it('float edge values, 2^53 − 1 and exemplar values arrive bit for bit', async () => {
    await exportOver('grpc', 'gzip', edgeValues('edge'));
    const [line] = await lines('edge', 1);
    const [big, edge] = line.resourceMetrics[0].scopeMetrics[0].metrics;
    expect(big.sum.dataPoints[0].asInt).to.equal('9007199254740991');
    expect(big.sum.dataPoints[0].exemplars).to.deep.equal([{
      timeUnixNano: '1700000050123000000', asInt: '9007199254740990', traceId: TRACE_ID_2, spanId: SPAN_ID_2,
      filteredAttributes: [{ key: 'user', value: { stringValue: 'ü' } }],
    }]);
    expect(big.sum.dataPoints[0]).to.include({ startTimeUnixNano: '1700000000000000001', timeUnixNano: '1700000100999999999' });
    const got = edge.gauge.dataPoints.map((p: any) => p.asDouble);
    // Bit patterns, so that a neighbouring double would show.
    const bits = (v: number): string => Buffer.from(new Float64Array([v]).buffer).toString('hex');
    expect(got.map(bits)).to.deep.equal([0.1 + 0.2, 5e-324, -1.7976931348623157e308, 1 / 3].map(bits));
  });
});
