import { expect } from 'chai';
import { ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType, InstrumentType, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { MeterProvider, MetricProducer } from '@otelkit/metrics';
import { CumulativeToDelta, OTLPMetricExporter, temporalityFor, type TemporalityPreference } from '../src/index.js';
import type { AttemptResult, OtlpTransport } from '../src/index.js';

/** A meter provider whose collections come out as sdk-metrics ResourceMetrics (cumulative). */
function service() {
  const mp = new MeterProvider();
  const producer = new MetricProducer(mp.store, resourceFromAttributes({ 'service.name': 'delta-unit' }));
  const meter = mp.getMeter('m');
  let observed = 0;
  const instruments = {
    counter: meter.createCounter('c'),
    histogram: meter.createHistogram('h', { advice: { explicitBucketBoundaries: [1, 10] } }),
    upDown: meter.createUpDownCounter('ud'),
    setObserved: (v: number) => (observed = v),
  };
  meter.createObservableCounter('oc').addCallback((r) => r.observe(observed));
  return { instruments, collect: async () => (await producer.collect()).resourceMetrics };
}

function metric(rm: ResourceMetrics, name: string) {
  const m = rm.scopeMetrics.flatMap((s) => s.metrics).find((x) => x.descriptor.name === name);
  if (m === undefined) throw new Error(`no metric ${name}`);
  return m;
}

const kinds = (rm: ResourceMetrics): Record<string, AggregationTemporality> =>
  Object.fromEntries(rm.scopeMetrics.flatMap((s) => s.metrics).map((m) => [m.descriptor.name, m.aggregationTemporality]));

describe('temporality preference (https://opentelemetry.io/docs/specs/otel/metrics/sdk_exporters/otlp/)', () => {
  it('temporalityFor follows the spec table', () => {
    const D = AggregationTemporality.DELTA;
    const C = AggregationTemporality.CUMULATIVE;
    const table: Record<TemporalityPreference, Partial<Record<InstrumentType, AggregationTemporality>>> = {
      cumulative: { [InstrumentType.COUNTER]: C, [InstrumentType.OBSERVABLE_COUNTER]: C, [InstrumentType.HISTOGRAM]: C, [InstrumentType.UP_DOWN_COUNTER]: C },
      delta: { [InstrumentType.COUNTER]: D, [InstrumentType.OBSERVABLE_COUNTER]: D, [InstrumentType.HISTOGRAM]: D, [InstrumentType.UP_DOWN_COUNTER]: C, [InstrumentType.OBSERVABLE_UP_DOWN_COUNTER]: C },
      lowmemory: { [InstrumentType.COUNTER]: D, [InstrumentType.OBSERVABLE_COUNTER]: C, [InstrumentType.HISTOGRAM]: D, [InstrumentType.UP_DOWN_COUNTER]: C, [InstrumentType.OBSERVABLE_UP_DOWN_COUNTER]: C },
    };
    for (const [pref, row] of Object.entries(table)) {
      for (const [type, expected] of Object.entries(row)) expect(temporalityFor(pref as TemporalityPreference, type as InstrumentType), `${pref} ${type}`).to.equal(expected);
    }
    expect(new OTLPMetricExporter({ temporalityPreference: 'delta' }).selectAggregationTemporality(InstrumentType.HISTOGRAM)).to.equal(AggregationTemporality.DELTA);
  });

  it('delta: counters, observable counters and histograms become the increments since the last committed export; up-down counters stay cumulative', async () => {
    const s = service();
    const conv = new CumulativeToDelta('delta');
    s.instruments.counter.add(5, { k: 'a' });
    s.instruments.histogram.record(0.5);
    s.instruments.histogram.record(5);
    s.instruments.upDown.add(3);
    s.instruments.setObserved(100);
    const first = conv.convert(await s.collect());
    first.commit();
    expect(kinds(first.metrics)).to.deep.equal({ c: AggregationTemporality.DELTA, h: AggregationTemporality.DELTA, ud: AggregationTemporality.CUMULATIVE, oc: AggregationTemporality.DELTA });
    expect(metric(first.metrics, 'c').dataPoints[0]!.value).to.equal(5);

    s.instruments.counter.add(2, { k: 'a' });
    s.instruments.counter.add(1, { k: 'b' }); // a new stream: its whole value is its delta
    s.instruments.histogram.record(50);
    s.instruments.upDown.add(-1);
    s.instruments.setObserved(130);
    const firstEnd = metric(first.metrics, 'c').dataPoints[0]!.endTime;
    const second = conv.convert(await s.collect());
    const c = metric(second.metrics, 'c').dataPoints.map((p) => [p.attributes.k, p.value]);
    expect(c).to.deep.equal([['a', 2], ['b', 1]]);
    // The delta starts where the last exported point ended.
    expect(metric(second.metrics, 'c').dataPoints[0]!.startTime).to.deep.equal(firstEnd);
    const h = metric(second.metrics, 'h').dataPoints[0]!.value as any;
    expect({ counts: h.buckets.counts, count: h.count, sum: h.sum, min: h.min, max: h.max }).to.deep.equal({ counts: [0, 0, 1], count: 1, sum: 50, min: undefined, max: undefined });
    expect(metric(second.metrics, 'ud').dataPoints[0]!.value).to.equal(2);
    expect(metric(second.metrics, 'oc').dataPoints[0]!.value).to.equal(30);
  });

  it('without commit (a failed export) the next delta still covers everything since the last delivered one', async () => {
    const s = service();
    const conv = new CumulativeToDelta('delta');
    s.instruments.counter.add(5);
    conv.convert(await s.collect()).commit();
    s.instruments.counter.add(2);
    conv.convert(await s.collect()); // not committed: its export failed
    s.instruments.counter.add(3);
    expect(metric(conv.convert(await s.collect()).metrics, 'c').dataPoints[0]!.value).to.equal(5);
  });

  it('lowmemory: observable counters stay cumulative', async () => {
    const s = service();
    const conv = new CumulativeToDelta('lowmemory');
    s.instruments.counter.add(1);
    s.instruments.histogram.record(1);
    s.instruments.setObserved(10);
    expect(kinds(conv.convert(await s.collect()).metrics)).to.include({ c: AggregationTemporality.DELTA, h: AggregationTemporality.DELTA, oc: AggregationTemporality.CUMULATIVE });
  });

  it('a reset (value down, or a new start time) is sent as is; a stream absent from a collection is forgotten', () => {
    const conv = new CumulativeToDelta('delta');
    const rm = (value: number, start: number, end: number, attrs: string[] = ['x']): ResourceMetrics => ({
      resource: resourceFromAttributes({}),
      scopeMetrics: [{
        scope: { name: 's' },
        metrics: [{
          descriptor: { name: 'n', description: '', unit: '', valueType: 1, type: InstrumentType.COUNTER } as never,
          aggregationTemporality: AggregationTemporality.CUMULATIVE,
          dataPointType: DataPointType.SUM,
          isMonotonic: true,
          dataPoints: attrs.map((a) => ({ startTime: [start, 0], endTime: [end, 0], attributes: { a }, value })),
        }],
      }],
    });
    const values = (r: ResourceMetrics) => r.scopeMetrics[0]!.metrics[0]!.dataPoints.map((p) => p.value);
    let c = conv.convert(rm(10, 1, 2));
    c.commit();
    c = conv.convert(rm(4, 1, 3)); // went down: a restarted counter
    expect(values(c.metrics)).to.deep.equal([4]);
    c.commit();
    c = conv.convert(rm(9, 5, 6)); // new start time
    expect(values(c.metrics)).to.deep.equal([9]);
    c.commit();
    expect(conv.size).to.equal(1);
    conv.convert(rm(1, 7, 8, ['y'])).commit();
    expect(conv.size).to.equal(1); // 'x' forgotten
  });

  it('exemplars: only those recorded after the previous export of the stream', () => {
    const conv = new CumulativeToDelta('delta');
    const rm = (value: number, endSec: number, exemplarSecs: number[]): ResourceMetrics => ({
      resource: resourceFromAttributes({}),
      scopeMetrics: [{
        scope: { name: 's' },
        metrics: [{
          descriptor: { name: 'n', description: '', unit: '', valueType: 1, type: InstrumentType.COUNTER } as never,
          aggregationTemporality: AggregationTemporality.CUMULATIVE,
          dataPointType: DataPointType.SUM,
          isMonotonic: true,
          dataPoints: [{
            startTime: [100, 0], endTime: [endSec, 0], attributes: {}, value,
            exemplars: exemplarSecs.map((t) => ({ value: 1, timeMs: t * 1000, traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', filteredAttributes: {} })),
          } as never],
        }],
      }],
    });
    const ex = (r: ResourceMetrics) => ((r.scopeMetrics[0]!.metrics[0]!.dataPoints[0] as any).exemplars ?? []).map((e: any) => e.timeMs / 1000);
    const a = conv.convert(rm(1, 110, [105]));
    expect(ex(a.metrics)).to.deep.equal([105]);
    a.commit();
    expect(ex(conv.convert(rm(2, 120, [105, 115])).metrics)).to.deep.equal([115]);
    expect(ex(conv.convert(rm(2, 120, [105])).metrics)).to.deep.equal([]);
  });

  it('the exporter commits only after a successful export, and runs delta exports one at a time', async () => {
    const sent: Uint8Array[] = [];
    const answers: AttemptResult['kind'][] = ['failure', 'success', 'success'];
    let inFlight = 0;
    let maxInFlight = 0;
    const transport: OtlpTransport = {
      async send(body) {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setTimeout(r, 20));
        inFlight--;
        sent.push(body);
        const kind = answers.shift() ?? 'success';
        return kind === 'success' ? { kind, status: 200, body: Buffer.alloc(0), contentType: 'application/x-protobuf' } : { kind: 'failure', status: 400, error: 'HTTP 400' };
      },
      prepare: () => undefined,
      close: () => {},
    };
    const exporter = new OTLPMetricExporter({ protocol: 'http/json', temporalityPreference: 'delta' }, { transport: () => transport });
    const s = service();
    s.instruments.counter.add(5);
    expect((await exporter.exportAsync(await s.collect())).code).to.equal(ExportResultCode.FAILED);
    s.instruments.counter.add(2);
    const [a, b] = await Promise.all([exporter.exportAsync(await s.collect()), (async () => {
      s.instruments.counter.add(1);
      return exporter.exportAsync(await s.collect());
    })()]);
    expect([a.code, b.code]).to.deep.equal([ExportResultCode.SUCCESS, ExportResultCode.SUCCESS]);
    expect(maxInFlight).to.equal(1);
    const counterValue = (body: Uint8Array): number => {
      const json = JSON.parse(Buffer.from(body).toString('utf8'));
      const m = json.resourceMetrics[0].scopeMetrics[0].metrics.find((x: any) => x.name === 'c');
      return Number(m.sum.dataPoints[0].asInt ?? m.sum.dataPoints[0].asDouble);
    };
    // The failed export's 5 is delivered with the next one (7 = 5 + 2, the stream's first delivered
    // point); the two concurrent exports do not overlap (the second carries only its 1).
    expect(sent.map(counterValue)).to.deep.equal([5, 7, 1]);
    await exporter.shutdown();
  });
});
