import { expect } from 'chai';
import { context, trace, TraceFlags, ValueType } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  AggregationType,
  DataPointType,
  MeterProvider as SdkMeterProvider,
  MetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { MeterProvider, MetricProducer } from '@otelkit/metrics';
import { startOtlpReceiver, type OtlpReceiver } from '@otelkit/testkit';
import { encodeMetricsJson, encodeMetricsProtobuf, OTLPMetricExporter, type OtlpCompression, type OtlpProtocol } from '../src/index.js';
import { everyKind, everyKindDecoded, SPAN_ID, TRACE_ID } from './fixtures.js';

type Mode = { protocol: OtlpProtocol; compression: OtlpCompression };
const MODES: Mode[] = [
  { protocol: 'http/protobuf', compression: 'none' },
  { protocol: 'http/json', compression: 'none' },
  { protocol: 'http/protobuf', compression: 'gzip' },
  { protocol: 'http/json', compression: 'gzip' },
];

class ManualReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

async function exportWith(receiver: OtlpReceiver, mode: Mode, metrics: ResourceMetrics): Promise<Record<string, any>> {
  const before = (await receiver.requests()).length;
  const exporter = new OTLPMetricExporter({ url: receiver.metricsUrl, ...mode, timeoutMillis: 5000 });
  const result = await exporter.exportAsync(metrics);
  await exporter.shutdown();
  const reqs = await receiver.requests();
  expect(reqs.length).to.equal(before + 1);
  const req = reqs[before]!;
  expect(req.error, req.error).to.equal(undefined);
  expect(result.code, String(result.error)).to.equal(0);
  expect(req.content_type).to.equal(mode.protocol === 'http/json' ? 'application/json' : 'application/x-protobuf');
  expect(req.content_encoding).to.equal(mode.compression === 'gzip' ? 'gzip' : '');
  return req.body!;
}

describe('OTLP metrics encoding (protobuf and JSON, decoded by opentelemetry-proto)', () => {
  let receiver: OtlpReceiver;
  before(async function () {
    this.timeout(300_000); // first run provisions the Python venv
    receiver = await startOtlpReceiver();
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  });
  after(async () => {
    context.disable();
    await receiver?.stop();
  });

  for (const mode of MODES) {
    describe(`${mode.protocol}, compression ${mode.compression}`, () => {
      it('resource, scopes, schema URLs, every point kind, flags and exemplars decode exactly', async () => {
        expect(await exportWith(receiver, mode, everyKind())).to.deep.equal(everyKindDecoded());
      });

      it('exemplars recorded inside a sampled span carry its ids (bytes in protobuf, hex in JSON)', async () => {
        const mp = new MeterProvider({ exemplarFilter: 'trace_based' });
        const meter = mp.getMeter('exemplar-test', '0.0.1');
        const counter = meter.createCounter('jobs', { valueType: ValueType.INT });
        const hist = meter.createHistogram('duration', { unit: 's' });
        const spanCtx = trace.setSpanContext(context.active(), { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED, isRemote: false });
        const t0 = Date.now();
        context.with(spanCtx, () => {
          counter.add(5, { kind: 'a' });
          hist.record(0.3, { kind: 'a' });
        });
        counter.add(2, { kind: 'a' }); // outside a span: counted, no exemplar
        const { resourceMetrics } = await new MetricProducer(mp.store, resourceFromAttributes({ 'service.name': 'ex' })).collect();
        const body = await exportWith(receiver, mode, resourceMetrics);
        const metrics = body.resource_metrics[0].scope_metrics[0].metrics as Record<string, any>[];
        const jobs = metrics.find((m) => m.name === 'jobs')!;
        const point = jobs.sum.data_points[0];
        expect(point.as_int).to.equal('7');
        expect(point.exemplars).to.have.length(1);
        expect(point.exemplars[0]).to.include({ as_int: '5', trace_id: TRACE_ID, span_id: SPAN_ID });
        const exNanos = BigInt(point.exemplars[0].time_unix_nano);
        expect(exNanos >= BigInt(t0) * 1_000_000n && exNanos <= BigInt(Date.now()) * 1_000_000n).to.equal(true);
        const dur = metrics.find((m) => m.name === 'duration')!.histogram.data_points[0];
        expect(dur.count).to.equal('1');
        expect(dur.exemplars).to.have.length(1);
        expect(dur.exemplars[0]).to.include({ as_double: 0.3, trace_id: TRACE_ID, span_id: SPAN_ID });
      });

      it('matches upstream otlp-transformer on what both can encode (sdk-metrics data, no exemplars)', async () => {
        const reader = new ManualReader();
        const mp = new SdkMeterProvider({
          resource: resourceFromAttributes({ 'service.name': 'diff', n: 3 }),
          readers: [reader],
          views: [{ instrumentName: 'exp', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
        });
        const meter = mp.getMeter('diff-scope', '9.9.9', { schemaUrl: 'https://opentelemetry.io/schemas/1.20.0' });
        meter.createCounter('c', { valueType: ValueType.INT }).add(3, { a: 'x' });
        meter.createUpDownCounter('u').add(-1.5);
        meter.createHistogram('h').record(7, { b: true });
        meter.createHistogram('exp').record(3);
        meter.createHistogram('exp').record(300);
        meter.createGauge('g').record(1e-9);
        meter.createObservableGauge('og').addCallback((r) => r.observe(-4, { s: 'y' }));
        const { resourceMetrics } = await reader.collect();
        const ours = await exportWith(receiver, mode, resourceMetrics);
        const upstream = mode.protocol === 'http/json' ? JsonMetricsSerializer : ProtobufMetricsSerializer;
        const res = await fetch(receiver.metricsUrl, {
          method: 'POST',
          body: upstream.serializeRequest(resourceMetrics)!,
          headers: { 'content-type': mode.protocol === 'http/json' ? 'application/json' : 'application/x-protobuf' },
        });
        expect(res.status).to.equal(200);
        const reqs = await receiver.requests();
        expect(ours).to.deep.equal(reqs[reqs.length - 1]!.body);
        await mp.shutdown();
      });

      it('keeps long, non-ASCII strings and large requests intact (length varints over 2 bytes)', async () => {
        const long = `${'é'.repeat(9000)}🚀${'x'.repeat(200)}`;
        const points = Array.from({ length: 3000 }, (_, i) => ({
          startTime: [1_700_000_000, 0] as [number, number],
          endTime: [1_700_000_001, 0] as [number, number],
          attributes: { series: `s-${i}`, big: i === 0 ? long : 'small' },
          value: i,
        }));
        const metrics: ResourceMetrics = {
          resource: resourceFromAttributes({}),
          scopeMetrics: [{
            scope: { name: 's' },
            metrics: [{
              descriptor: { name: 'many', description: long, unit: '', valueType: ValueType.DOUBLE },
              aggregationTemporality: AggregationTemporality.CUMULATIVE,
              dataPointType: DataPointType.SUM,
              isMonotonic: true,
              dataPoints: points,
            }],
          }],
        };
        const body = await exportWith(receiver, mode, metrics);
        const m = body.resource_metrics[0].scope_metrics[0].metrics[0];
        expect(m.description).to.equal(long);
        expect(m.sum.data_points).to.have.length(3000);
        expect(m.sum.data_points[0].attributes[1].value.string_value).to.equal(long);
        expect(m.sum.data_points[2999]).to.deep.include({ as_double: 2999 });
      });
    });
  }

  it('protobuf and JSON bodies of the same data decode to the same message', async () => {
    for (const [ct, body] of [['application/x-protobuf', encodeMetricsProtobuf(everyKind())], ['application/json', encodeMetricsJson(everyKind())]] as const) {
      const res = await fetch(receiver.metricsUrl, { method: 'POST', body, headers: { 'content-type': ct } });
      expect(res.status).to.equal(200);
    }
    const reqs = await receiver.requests();
    expect(reqs[reqs.length - 1]!.body).to.deep.equal(reqs[reqs.length - 2]!.body);
  });

  it('the receiver rejects JSON ids that are not 16/8 bytes of hex (base64 ids would be a bug)', async () => {
    const json = JSON.parse(Buffer.from(encodeMetricsJson(everyKind())).toString('utf8'));
    json.resourceMetrics[0].scopeMetrics[0].metrics[0].sum.dataPoints[0].exemplars[0].traceId = Buffer.from(TRACE_ID, 'hex').toString('base64');
    const res = await fetch(receiver.metricsUrl, { method: 'POST', body: JSON.stringify(json), headers: { 'content-type': 'application/json' } });
    expect(res.status).to.equal(400);
    const reqs = await receiver.requests();
    expect(reqs[reqs.length - 1]!.error).to.match(/traceId/);
  });
});
