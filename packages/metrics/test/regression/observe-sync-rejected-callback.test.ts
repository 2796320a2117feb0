import { expect } from 'chai';
import { MeterProvider, type GaugeCell } from '../../src/index.js';

/**
 * Regression: observeSync() (the exit path) dropped the promise an async callback returned, so a
 * rejecting callback became an unhandled rejection while the process was exiting. Both rounds now
 * share one implementation that always guards returned promises.
 */
describe('regression: observeSync() with an async callback that rejects', () => {
  it('raises no unhandled rejection and still takes the synchronous observations', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown): void => void unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const provider = new MeterProvider();
      const m = provider.getMeter('t');
      m.createObservableGauge('async.bad').addCallback(async () => {
        throw new Error('callback failed');
      });
      const good = m.createObservableGauge('sync.good');
      good.addCallback((r) => r.observe(7));
      provider.store.observeSync();
      await new Promise((r) => setTimeout(r, 20));
      expect(unhandled).to.deep.equal([]);
      expect((good.storage.exportCells() as GaugeCell[]).map((c) => c.value)).to.deep.equal([7]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
