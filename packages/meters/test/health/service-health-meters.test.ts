import { expect } from 'chai';
import { MeterProvider } from '@otelkit/metrics';
import { createServiceHealthMeters, MetersConfigError, PROCESSING_BUCKETS, SERVICE_HEALTH_METRICS } from '../../src/index.js';
import { captureDiag, histogram, storage, value, values } from '../helpers.js';

describe('createServiceHealthMeters', () => {
  it('registers queue depth, processing duration / cycles / errors with names, units and the 0.01…60 s buckets', () => {
    const provider = new MeterProvider();
    createServiceHealthMeters(provider.getMeter('w'), { service: 'evaluator' });
    const got = provider.store.instruments.map((s) => [s.descriptor.name, s.descriptor.kind, s.descriptor.unit]);
    expect(got).to.deep.equal([
      ['queue.depth', 'observablegauge', '{item}'],
      ['processing.duration', 'histogram', 's'],
      ['processing.cycles', 'counter', '{cycle}'],
      ['processing.errors', 'counter', '{error}'],
    ]);
    expect(storage(provider.store, 'processing.duration').descriptor.boundaries).to.deep.equal([0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]);
    expect(PROCESSING_BUCKETS).to.deep.equal([0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]);
    for (const d of SERVICE_HEALTH_METRICS.slice(0, 4)) {
      const s = storage(provider.store, d.name);
      expect(s.descriptor.description).to.equal(d.description);
    }
  });

  it('cycle(op).record: duration by service and operation, outcome counted, errors typed', () => {
    const provider = new MeterProvider();
    const h = createServiceHealthMeters(provider.getMeter('w'), { service: 'evaluator' });
    h.cycle('evaluate').record(0.02);
    h.cycle('evaluate').record(0.7, 'failure', new TypeError('x'));
    h.cycle('evaluate').record(0.3, 'failure', new RangeError('y'));
    h.cycle('evaluate').record(0.3, 'failure', 'a string');
    h.cycle('dispatch').record(3);
    const store = provider.store;
    const ev = histogram(store, 'processing.duration', { service: 'evaluator', operation: 'evaluate' })!;
    expect([ev.count, ev.min, ev.max]).to.deep.equal([4, 0.02, 0.7]);
    expect(ev.counts).to.deep.equal([0, 1, 0, 0, 0, 2, 1, 0, 0, 0, 0, 0, 0]);
    expect(value(store, 'processing.cycles', { service: 'evaluator', operation: 'evaluate', outcome: 'success' })).to.equal(1);
    expect(value(store, 'processing.cycles', { service: 'evaluator', operation: 'evaluate', outcome: 'failure' })).to.equal(3);
    expect(values(store, 'processing.errors')).to.deep.equal([
      [{ 'error.type': 'TypeError', operation: 'evaluate', service: 'evaluator' }, 1],
      [{ 'error.type': 'RangeError', operation: 'evaluate', service: 'evaluator' }, 1],
      [{ 'error.type': '_OTHER', operation: 'evaluate', service: 'evaluator' }, 1],
    ]);
    expect(histogram(store, 'processing.duration', { service: 'evaluator', operation: 'dispatch' })!.sum).to.equal(3);
  });

  it('operations given: a closed set, everything else is "other" with one warning', () => {
    const d = captureDiag();
    try {
      const provider = new MeterProvider();
      const h = createServiceHealthMeters(provider.getMeter('w'), { service: 'dispatcher', operations: ['poll', 'send'] });
      // pre-bound at zero
      expect(values(provider.store, 'processing.cycles').map(([a]) => `${a.operation}/${a.outcome}`)).to.deep.equal(['poll/success', 'poll/failure', 'send/success', 'send/failure']);
      for (let i = 0; i < 10; i++) h.cycle(`op${i}` as never).record(0.1);
      expect(histogram(provider.store, 'processing.duration', { service: 'dispatcher', operation: 'other' })!.count).to.equal(10);
      expect(d.messages).to.have.length(1);
      expect(d.messages[0]).to.contain('attribute "operation" got "op0", which is not one of poll, send');
    } finally {
      d.restore();
    }
  });

  it('operations not given: the first 50 names are kept, then "other", non-strings are "other"', () => {
    const d = captureDiag();
    try {
      const provider = new MeterProvider();
      const h = createServiceHealthMeters(provider.getMeter('w'), { service: 's' });
      for (let i = 0; i < 80; i++) h.cycle(`op${i}`).record(0.1);
      h.cycle(42 as never).record(0.1);
      h.cycle('' as never).record(0.1);
      const ops = new Set(storage(provider.store, 'processing.duration').cells.map((c) => c.attributes.operation));
      expect(ops.size).to.equal(51);
      expect(histogram(provider.store, 'processing.duration', { service: 's', operation: 'other' })!.count).to.equal(32);
      expect(d.messages).to.have.length(2);
    } finally {
      d.restore();
    }
  });

  it('rejects bad configuration with a typed error naming the field and an example', () => {
    const m = new MeterProvider().getMeter('w');
    const cases: [unknown, RegExp][] = [
      [{}, /options\.service must be a non-empty string, e\.g\. \{ service: 'evaluator' \}/],
      [{ service: '' }, /options\.service/],
      [{ service: 'a', operations: [] }, /options\.operations/],
      [{ service: 'a', operations: ['ok', 3] }, /options\.operations/],
      [{ service: 'a', queues: 'signals' }, /options\.queues/],
      [{ service: 'a', processingBoundaries: [1, NaN] }, /options\.processingBoundaries/],
      [{ service: 'a', pulseNames: 'yes' }, /options\.pulseNames/],
      [null, /options must be an object/],
    ];
    for (const [o, re] of cases) {
      let err: unknown;
      try {
        createServiceHealthMeters(m, o as never);
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(o)).to.be.instanceOf(MetersConfigError);
      expect((err as Error).message).to.match(re);
    }
  });

  it('two services on one meter share the instruments and keep their own series', async () => {
    const provider = new MeterProvider();
    const meter = provider.getMeter('w');
    const a = createServiceHealthMeters(meter, { service: 'evaluator' });
    const b = createServiceHealthMeters(meter, { service: 'dispatcher' });
    a.queueDepth('signals').set(3);
    b.queueDepth('signals').set(7);
    a.cycle('run').record(1);
    b.cycle('run').record(2);
    await provider.store.observe();
    expect(provider.store.instruments).to.have.length(4);
    expect(values(provider.store, 'queue.depth')).to.deep.equal([
      [{ queue_name: 'signals', service: 'evaluator' }, 3],
      [{ queue_name: 'signals', service: 'dispatcher' }, 7],
    ]);
    expect(histogram(provider.store, 'processing.duration', { service: 'dispatcher', operation: 'run' })!.sum).to.equal(2);
  });
});
