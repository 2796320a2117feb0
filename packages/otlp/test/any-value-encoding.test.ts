import { expect } from 'chai';
import type { Attributes } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, MetricProducer } from '@otelkit/metrics';
import { startOtlpReceiver, type OtlpReceiver } from '@otelkit/testkit';
import { encodeMetricsJson, OTLPMetricExporter, type OtlpProtocol } from '../src/index.js';

const A = (a: Record<string, unknown>): Attributes => a as Attributes;
const b64 = (bytes: number[]): string => Buffer.from(bytes).toString('base64');

// The decoded form is the official opentelemetry-proto's (Python), MessageToDict with proto field names.
const EXPECTED_ATTRIBUTES = [
  { key: 'body', value: { bytes_value: b64([0, 255, 10]) } },
  {
    key: 'ctx',
    value: {
      kvlist_value: {
        values: [
          { key: 'empty', value: {} },
          { key: 'ratio', value: { double_value: 0.5 } },
          { key: 'tags', value: { array_value: { values: [{ string_value: 'x' }, { int_value: '2' }, {}, { bool_value: true }, { array_value: { values: [{ double_value: 'NaN' }] } }] } } },
          { key: 'user', value: { kvlist_value: { values: [{ key: 'id', value: { int_value: '7' } }, { key: 'raw', value: { bytes_value: b64([1]) } }] } } },
        ],
      },
    },
  },
  { key: 'none', value: {} },
  { key: 'route', value: { string_value: '/a' } },
];

describe('OTLP: AnyValue attributes carried natively (decoded by the official opentelemetry-proto)', () => {
  let receiver: OtlpReceiver;
  before(async function () {
    this.timeout(300_000); // first run provisions the Python venv
    receiver = await startOtlpReceiver();
  });
  after(() => receiver?.stop());

  async function exportOnce(protocol: OtlpProtocol): Promise<Record<string, any>> {
    const mp = new MeterProvider({ exemplarFilter: 'always_off' });
    const c = mp.getMeter('anyvalue').createCounter('jobs');
    // Equal content twice, keys in other orders and distinct objects: one data point.
    c.add(1, A({ route: '/a', none: null, gone: undefined, body: new Uint8Array([0, 255, 10]), ctx: { user: { id: 7, raw: Buffer.from([1]) }, tags: ['x', 2, null, true, [NaN]], ratio: 0.5, empty: null, skipped: undefined } }));
    c.add(2, A({ ctx: { empty: null, ratio: 0.5, tags: ['x', 2, undefined, true, [NaN]], user: { raw: new Uint8Array([1]), id: 7 } }, body: Buffer.from([0, 255, 10]), none: null, route: '/a' }));
    const { resourceMetrics } = await new MetricProducer(mp.store, resourceFromAttributes({ 'service.name': 'anyvalue' })).collect();
    const before = (await receiver.requests()).length;
    const exporter = new OTLPMetricExporter({ url: receiver.metricsUrl, protocol, timeoutMillis: 5000 });
    const result = await exporter.exportAsync(resourceMetrics);
    await exporter.shutdown();
    expect(result.code, String(result.error)).to.equal(0);
    const req = (await receiver.requests())[before]!;
    expect(req.error, req.error).to.equal(undefined);
    return req.body!;
  }

  for (const protocol of ['http/protobuf', 'http/json'] as const) {
    it(`${protocol}: maps as kvlist_value, byte arrays as bytes_value, nested/mixed arrays as array_value, null as an empty AnyValue; equal content is one point`, async () => {
      const body = await exportOnce(protocol);
      const points = body.resource_metrics[0].scope_metrics[0].metrics[0].sum.data_points;
      expect(points).to.have.length(1);
      expect(points[0].as_double ?? Number(points[0].as_int)).to.equal(3);
      expect(points[0].attributes).to.deep.equal(EXPECTED_ATTRIBUTES);
    });
  }

  it('the JSON body spells AnyValues as the OTLP/JSON mapping says (bytes base64, int64 as strings, empty value {})', async () => {
    const mp = new MeterProvider({ exemplarFilter: 'always_off' });
    mp.getMeter('anyvalue').createGauge('g').record(1, A({ m: { b: new Uint8Array([104, 105]), n: 9007199254740993, e: null }, l: [Infinity] }));
    const { resourceMetrics } = await new MetricProducer(mp.store, resourceFromAttributes({})).collect();
    const json = JSON.parse(Buffer.from(encodeMetricsJson(resourceMetrics)).toString('utf8'));
    const attrs = json.resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0].attributes;
    expect(attrs).to.deep.equal([
      { key: 'l', value: { arrayValue: { values: [{ doubleValue: 'Infinity' }] } } },
      { key: 'm', value: { kvlistValue: { values: [{ key: 'b', value: { bytesValue: 'aGk=' } }, { key: 'e', value: {} }, { key: 'n', value: { doubleValue: 9007199254740992 } }] } } },
    ]);
  });
});
