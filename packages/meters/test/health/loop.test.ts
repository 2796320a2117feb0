import { expect } from 'chai';
import { MeterProvider } from '@otelkit/metrics';
import { createServiceHealthMeters, MetersConfigError } from '../../src/index.js';
import { captureDiag, histogram, value } from '../helpers.js';

describe('instrumentLoop', () => {
  it('runs cycles with a pause between them, records each, keeps going after errors, stops cleanly', async () => {
    const provider = new MeterProvider();
    const h = createServiceHealthMeters(provider.getMeter('w'), { service: 'evaluator' });
    let n = 0;
    const errors: unknown[] = [];
    const loop = h.instrumentLoop(
      'evaluate',
      async () => {
        n++;
        if (n % 3 === 0) throw new RangeError(`cycle ${n}`);
      },
      { intervalMs: 5, onError: (e) => errors.push(e) },
    );
    while (n < 9) await new Promise((r) => setTimeout(r, 5));
    await loop.stop();
    const ran = n;
    await new Promise((r) => setTimeout(r, 30));
    expect(n, 'no cycle after stop').to.equal(ran);
    const cell = histogram(provider.store, 'processing.duration', { service: 'evaluator', operation: 'evaluate' })!;
    expect(cell.count).to.equal(ran);
    const failures = Math.floor(ran / 3);
    expect(errors).to.have.length(failures);
    expect(value(provider.store, 'processing.cycles', { service: 'evaluator', operation: 'evaluate', outcome: 'failure' })).to.equal(failures);
    expect(value(provider.store, 'processing.cycles', { service: 'evaluator', operation: 'evaluate', outcome: 'success' })).to.equal(ran - failures);
    expect(value(provider.store, 'processing.errors', { service: 'evaluator', operation: 'evaluate', 'error.type': 'RangeError' })).to.equal(failures);
  });

  it('stops on an abort signal, even in the middle of a long pause; the cycle gets the signal', async () => {
    const provider = new MeterProvider();
    const h = createServiceHealthMeters(provider.getMeter('w'), { service: 's' });
    const ac = new AbortController();
    let seen: AbortSignal | undefined;
    const loop = h.instrumentLoop('poll', (signal) => {
      seen = signal;
    }, { intervalMs: 60_000, signal: ac.signal });
    await new Promise((r) => setTimeout(r, 20));
    const t0 = Date.now();
    ac.abort();
    await loop.done;
    expect(Date.now() - t0).to.be.below(1000);
    expect(seen!.aborted).to.equal(true);
    expect(histogram(provider.store, 'processing.duration', { service: 's', operation: 'poll' })!.count).to.equal(1);
  });

  it('an onError that throws is swallowed with one warning; the loop goes on', async () => {
    const d = captureDiag();
    try {
      const provider = new MeterProvider();
      const h = createServiceHealthMeters(provider.getMeter('w'), { service: 's' });
      let n = 0;
      const loop = h.instrumentLoop('x', () => {
        n++;
        throw new Error('always');
      }, {
        intervalMs: 1,
        onError: () => {
          throw new Error('logger broke');
        },
      });
      while (n < 5) await new Promise((r) => setTimeout(r, 2));
      await loop.stop();
      expect(d.messages.filter((m) => m.includes('logger broke'))).to.have.length(1);
      expect(value(provider.store, 'processing.cycles', { service: 's', operation: 'x', outcome: 'failure' })).to.equal(n);
    } finally {
      d.restore();
    }
  });

  it('rejects a bad interval or callback at start', () => {
    const h = createServiceHealthMeters(new MeterProvider().getMeter('w'), { service: 's' });
    expect(() => h.instrumentLoop('x', () => {}, { intervalMs: -1 })).to.throw(MetersConfigError, /options\.intervalMs/);
    expect(() => h.instrumentLoop('x', () => {}, { intervalMs: NaN })).to.throw(MetersConfigError, /options\.intervalMs/);
    expect(() => h.instrumentLoop('x', 'nope' as never)).to.throw(MetersConfigError, /fn must be a function/);
  });
});
