import { expect } from 'chai';
import { startOtlpReceiver, type OtlpReceiver } from '@otelkit/testkit';
import { otlpValues, runApp } from '../helpers/run-app.js';

/*
 * Regression (issue 15, item 1): an application's process.once('SIGTERM') handler was cut short.
 * otelkit's flush finished first, counted the SIGTERM listeners to decide whether to re-raise —
 * Node had already removed the once listener before calling it — found none, and killed the
 * process: exit 143, the application's cleanup never finished. The decision is now taken when
 * the signal arrives, and an application that handles the signal owns the exit.
 *
 * Every way an application listens for SIGTERM: its cleanup (800 ms, records one more item)
 * finishes, the process ends the way the application chose, and exactly one metrics export
 * arrives, carrying the item recorded during the cleanup (43).
 */
describe('regression: a process.once SIGTERM handler was cut short by the re-raise', function () {
  this.timeout(60_000);
  let receiver: OtlpReceiver;
  before(async () => {
    receiver = await startOtlpReceiver();
  });
  after(async () => receiver?.stop());
  beforeEach(async () => receiver.reset());

  const env = (mode: string): Record<string, string> => ({ MODE: mode, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, CLEANUP_MS: '800' });

  for (const mode of ['once', 'on', 'events-once', 'prepend-once'] as const) {
    it(`${mode}: the cleanup finishes, the process ends by itself with code 0, one final export with the cleanup's data`, async () => {
      const ended = await runApp({ env: env(mode), signal: 'SIGTERM' });
      expect(ended.signal, ended.output).to.equal(null);
      expect(ended.code, ended.output).to.equal(0);
      expect(ended.output).to.contain('cleanup done');
      expect(otlpValues(await receiver.requests(), 'app.items')).to.deep.equal([43]);
    });
  }

  it('process.exit(5) inside the handler: exit code 5, exactly one export', async () => {
    const ended = await runApp({ env: env('exit-in-handler'), signal: 'SIGTERM' });
    expect(ended.code, ended.output).to.equal(5);
    expect(otlpValues(await receiver.requests(), 'app.items')).to.deep.equal([43]);
  });

  it('@godaddy/terminus: onSignal runs to its end, tel.shutdown() in onShutdown, terminus re-raises: killed by SIGTERM after one export', async () => {
    const ended = await runApp({ env: env('terminus'), signal: 'SIGTERM' });
    expect(ended.output).to.contain('cleanup done');
    expect(ended.signal, ended.output).to.equal('SIGTERM');
    expect(otlpValues(await receiver.requests(), 'app.items')).to.deep.equal([43]);
  });

  it('close-with-grace: the handler runs to its end with tel.shutdown() last; exit code 0, one export', async () => {
    const ended = await runApp({ env: env('close-with-grace'), signal: 'SIGTERM' });
    expect(ended.output).to.contain('cleanup started SIGTERM');
    expect(ended.output).to.contain('cleanup done');
    expect(ended.code, ended.output).to.equal(0);
    expect(otlpValues(await receiver.requests(), 'app.items')).to.deep.equal([43]);
  });
});
