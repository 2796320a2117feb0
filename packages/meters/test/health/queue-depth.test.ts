import { expect } from 'chai';
import { MeterProvider } from '@otelkit/metrics';
import { createServiceHealthMeters } from '../../src/index.js';
import { captureDiag, values } from '../helpers.js';

describe('queue depth', () => {
  it('reports the last value set, at collection time, by service and queue_name', async () => {
    const provider = new MeterProvider();
    const h = createServiceHealthMeters(provider.getMeter('w'), { service: 'evaluator' });
    const q = h.queueDepth('signals');
    h.queueDepth('retries'); // never set: not reported
    q.set(10);
    q.set(4);
    await provider.store.observe();
    expect(values(provider.store, 'queue.depth')).to.deep.equal([[{ queue_name: 'signals', service: 'evaluator' }, 4]]);
    q.set(0);
    await provider.store.observe();
    expect(values(provider.store, 'queue.depth')).to.deep.equal([[{ queue_name: 'signals', service: 'evaluator' }, 0]]);
  });

  it('reads a depth reader at each collection, synchronous or asynchronous, and stops when asked', async () => {
    const provider = new MeterProvider();
    const h = createServiceHealthMeters(provider.getMeter('w'), { service: 'evaluator', queues: ['inbox', 'outbox'] });
    const items = [1, 2, 3];
    h.observeQueueDepth('inbox', () => items.length);
    const stop = h.observeQueueDepth('outbox', async () => {
      await new Promise((r) => setTimeout(r, 5));
      return 12;
    });
    await provider.store.observe();
    expect(values(provider.store, 'queue.depth')).to.deep.equal([
      [{ queue_name: 'inbox', service: 'evaluator' }, 3],
      [{ queue_name: 'outbox', service: 'evaluator' }, 12],
    ]);
    items.push(4, 5);
    stop();
    await provider.store.observe();
    expect(values(provider.store, 'queue.depth')).to.deep.equal([[{ queue_name: 'inbox', service: 'evaluator' }, 5]]);
  });

  it('bad depths are dropped with one warning per kind; a failing reader costs only its own queue', async () => {
    const d = captureDiag();
    try {
      const provider = new MeterProvider();
      const h = createServiceHealthMeters(provider.getMeter('w'), { service: 's' });
      const q = h.queueDepth('a');
      q.set(5);
      for (const bad of [NaN, -1, Infinity, '7', null]) q.set(bad as number);
      h.observeQueueDepth('b', () => {
        throw new Error('db down');
      });
      h.observeQueueDepth('c', () => Promise.reject(new Error('timeout')));
      h.observeQueueDepth('d', () => -3);
      h.observeQueueDepth('e', () => 9);
      const errors = await provider.store.observe();
      expect(errors).to.deep.equal([]);
      expect(values(provider.store, 'queue.depth').map(([a, v]) => [a.queue_name, v])).to.deep.equal([
        ['a', 5],
        ['e', 9],
      ]);
      // set: one for all bad values; reader: one for the throws/rejections, one for the bad value
      expect(d.messages, d.messages.join('\n')).to.have.length(3);
    } finally {
      d.restore();
    }
  });
});
