import { expect } from 'chai';
import type { Meter as ApiMeter } from '@opentelemetry/api';
import { MeterProvider } from '@otelkit/metrics';
import { createServiceHealthMeters } from '../../src/index.js';
import { errorType } from '../../src/health/cycle.js';
import { captureDiag, histogram, value } from '../helpers.js';

function setup() {
  const provider = new MeterProvider();
  const h = createServiceHealthMeters(provider.getMeter('w'), { service: 'evaluator' });
  const attrs = (outcome: string) => ({ service: 'evaluator', operation: 'evaluate', outcome });
  return { store: provider.store, h, attrs };
}

describe('timeCycle', () => {
  it('times a synchronous cycle, returns its value synchronously, counts success', () => {
    const { store, h, attrs } = setup();
    const r = h.timeCycle('evaluate', () => {
      const until = performance.now() + 15;
      while (performance.now() < until);
      return 7;
    });
    expect(r).to.equal(7);
    const cell = histogram(store, 'processing.duration', { service: 'evaluator', operation: 'evaluate' })!;
    expect(cell.count).to.equal(1);
    expect(cell.sum).to.be.within(0.015, 1);
    expect(value(store, 'processing.cycles', attrs('success'))).to.equal(1);
  });

  it('times an async cycle until it settles; a rejection is counted, typed and rethrown unchanged', async () => {
    const { store, h, attrs } = setup();
    const v = await h.timeCycle('evaluate', async () => {
      await new Promise((r) => setTimeout(r, 40));
      return 'ok';
    });
    expect(v).to.equal('ok');
    class DatabaseError extends Error {
      override name = 'DatabaseError';
    }
    const err = new DatabaseError('connection reset');
    let caught: unknown;
    await h.timeCycle('evaluate', () => Promise.reject(err)).catch((e: unknown) => (caught = e));
    expect(caught).to.equal(err);
    expect(() => h.timeCycle('evaluate', () => { throw err; })).to.throw(err);
    const cell = histogram(store, 'processing.duration', { service: 'evaluator', operation: 'evaluate' })!;
    expect(cell.count).to.equal(3);
    expect(cell.max).to.be.within(0.035, 1);
    expect(value(store, 'processing.cycles', attrs('success'))).to.equal(1);
    expect(value(store, 'processing.cycles', attrs('failure'))).to.equal(2);
    expect(value(store, 'processing.errors', { service: 'evaluator', operation: 'evaluate', 'error.type': 'DatabaseError' })).to.equal(2);
  });

  it('error.type: a class-like name, else _OTHER, and never calls a throwing getter twice', () => {
    expect(errorType(new TypeError('x'))).to.equal('TypeError');
    expect(errorType('string')).to.equal('_OTHER');
    expect(errorType(null)).to.equal('_OTHER');
    expect(errorType({ name: 'has spaces in it' })).to.equal('_OTHER');
    expect(errorType({ name: 'x'.repeat(100) })).to.equal('_OTHER');
    expect(
      errorType({
        get name(): string {
          throw new Error('hostile');
        },
      }),
    ).to.equal('_OTHER');
  });

  it('error types are bounded: 20 per operation, then _OTHER', () => {
    const { store, h } = setup();
    for (let i = 0; i < 30; i++) {
      const e = new Error('x');
      e.name = `Error${i}`;
      h.cycle('evaluate').record(0.1, 'failure', e);
    }
    const types = new Set(store.instruments.find((s) => s.descriptor.name === 'processing.errors')!.cells.map((c) => c.attributes['error.type']));
    expect(types.size).to.equal(21);
    expect(value(store, 'processing.errors', { service: 'evaluator', operation: 'evaluate', 'error.type': '_OTHER' })).to.equal(10);
  });

  it('a third-party meter that throws on record never breaks the caller (one warning)', () => {
    // A third-party Meter whose histogram throws: what the guard exists for.
    const throwing = {
      record: () => {
        throw new Error('exporter bug');
      },
      add: () => {},
    };
    const meter = {
      createCounter: () => ({ add: () => {} }),
      createHistogram: () => throwing,
      createObservableGauge: () => ({ addCallback: () => {}, removeCallback: () => {} }),
      createObservableUpDownCounter: () => ({ addCallback: () => {}, removeCallback: () => {} }),
      addBatchObservableCallback: () => {},
    } as unknown as ApiMeter;
    const d = captureDiag();
    try {
      const h = createServiceHealthMeters(meter, { service: 's' });
      for (let i = 0; i < 5; i++) expect(h.timeCycle('x', () => i)).to.equal(i);
      expect(d.messages).to.have.length(1);
      expect(d.messages[0]).to.match(/recording cycle "x" failed and was skipped: exporter bug/);
    } finally {
      d.restore();
    }
  });
});
