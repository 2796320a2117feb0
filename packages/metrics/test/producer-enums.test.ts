import { expect } from 'chai';
import { millisToHrTime } from '@opentelemetry/core';
import { AggregationTemporality, DataPointType, InstrumentType } from '@opentelemetry/sdk-metrics';
import { MeterProvider, MetricProducer } from '../src/index.js';

/**
 * producer.ts writes sdk-metrics' enum values out instead of importing the enums (which loaded all
 * of sdk-metrics at startup), and does core's millisToHrTime arithmetic itself: both must stay
 * what the installed packages say.
 */
describe('MetricProducer: sdk-metrics enum values and core time conversion written out', () => {
  it('every instrument kind, temporality and point type as sdk-metrics defines them', async () => {
    const mp = new MeterProvider();
    const m = mp.getMeter('enums');
    m.createCounter('c').add(1);
    m.createUpDownCounter('u').add(-1);
    m.createHistogram('h').record(1);
    m.createGauge('g').record(1);
    m.createObservableCounter('oc').addCallback((r) => r.observe(1));
    m.createObservableUpDownCounter('ou').addCallback((r) => r.observe(1));
    m.createObservableGauge('og').addCallback((r) => r.observe(1));
    const { resourceMetrics } = await new MetricProducer(mp.store).collect();
    const got = Object.fromEntries(resourceMetrics.scopeMetrics[0]!.metrics.map((md) => [md.descriptor.name, [md.descriptor.type, md.aggregationTemporality, md.dataPointType]]));
    expect(got).to.deep.equal({
      c: [InstrumentType.COUNTER, AggregationTemporality.CUMULATIVE, DataPointType.SUM],
      u: [InstrumentType.UP_DOWN_COUNTER, AggregationTemporality.CUMULATIVE, DataPointType.SUM],
      h: [InstrumentType.HISTOGRAM, AggregationTemporality.CUMULATIVE, DataPointType.HISTOGRAM],
      g: [InstrumentType.GAUGE, AggregationTemporality.CUMULATIVE, DataPointType.GAUGE],
      oc: [InstrumentType.OBSERVABLE_COUNTER, AggregationTemporality.CUMULATIVE, DataPointType.SUM],
      ou: [InstrumentType.OBSERVABLE_UP_DOWN_COUNTER, AggregationTemporality.CUMULATIVE, DataPointType.SUM],
      og: [InstrumentType.OBSERVABLE_GAUGE, AggregationTemporality.CUMULATIVE, DataPointType.GAUGE],
    });
  });

  it("start and end times as core's millisToHrTime makes them", async () => {
    const mp = new MeterProvider();
    mp.getMeter('t').createCounter('c').add(1);
    const before = Date.now();
    const { resourceMetrics } = await new MetricProducer(mp.store).collect();
    const p = resourceMetrics.scopeMetrics[0]!.metrics[0]!.dataPoints[0]!;
    const startMs = mp.store.instruments[0]!.cells[0]!.startTimeMs;
    expect(p.startTime).to.deep.equal(millisToHrTime(startMs));
    const endMs = p.endTime[0] * 1e3 + Math.round(p.endTime[1] / 1e6);
    expect(p.endTime).to.deep.equal(millisToHrTime(endMs));
    expect(endMs).to.be.within(before, Date.now());
  });
});
