import { expect } from 'chai';
import { startOtlpReceiver, type OtlpReceiver } from '@otelkit/testkit';
import { otlpValues, runApp } from '../helpers/run-app.js';

/*
 * A Kubernetes-style stop (issue 15): SIGTERM, then SIGKILL when the grace period ends. The
 * application handles SIGTERM and drains for longer than the grace period (it keeps serving and
 * recording); otelkit's final export must land before the SIGKILL, at grace × (1 − finalFlushShare),
 * carrying what was recorded during the drain up to then.
 */
describe('regression: the final export lands inside the grace period when the app drains until SIGKILL', function () {
  this.timeout(60_000);
  let receiver: OtlpReceiver;
  before(async () => {
    receiver = await startOtlpReceiver();
  });
  after(async () => receiver?.stop());
  beforeEach(async () => receiver.reset());

  it('grace 3000 ms, share 0.25: one export at ~2250 ms with the drain data, before the SIGKILL at 3000 ms', async () => {
    const ended = await runApp({
      env: { MODE: 'drain', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, GRACE_MS: '3000', FLUSH_SHARE: '0.25' },
      signal: 'SIGTERM',
      killAfterMs: 3000,
    });
    expect(ended.signal, ended.output).to.equal('SIGKILL');
    expect(ended.output).to.contain('draining');
    const values = otlpValues(await receiver.requests(), 'app.items');
    expect(values, ended.output).to.have.length(1);
    // 42 before SIGTERM, +1 every 200 ms while draining: ~11 by 2250 ms (fewer on a loaded machine).
    expect(values[0]).to.be.within(42 + 5, 42 + 12);
  });

  it('the same from OTELKIT_TERMINATION_GRACE_PERIOD_MILLIS / OTELKIT_FINAL_FLUSH_SHARE', async () => {
    const ended = await runApp({
      env: { MODE: 'drain', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTELKIT_TERMINATION_GRACE_PERIOD_MILLIS: '2000', OTELKIT_FINAL_FLUSH_SHARE: '0.5' },
      signal: 'SIGTERM',
      killAfterMs: 2000,
    });
    expect(ended.signal, ended.output).to.equal('SIGKILL');
    const values = otlpValues(await receiver.requests(), 'app.items');
    expect(values, ended.output).to.have.length(1);
    expect(values[0]).to.be.within(42 + 2, 42 + 6);
  });

  it('without a grace period (0) nothing is exported before the SIGKILL: the deadline is what saves the data', async () => {
    const ended = await runApp({
      env: { MODE: 'drain', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, GRACE_MS: '0' },
      signal: 'SIGTERM',
      killAfterMs: 2000,
    });
    expect(ended.signal, ended.output).to.equal('SIGKILL');
    expect(otlpValues(await receiver.requests(), 'app.items')).to.deep.equal([]);
  });
});
