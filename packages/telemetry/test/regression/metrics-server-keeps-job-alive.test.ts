import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { startOtlpReceiver, type OtlpReceiver } from '@otelkit/testkit';
import { otlpValues, runApp } from '../helpers/run-app.js';

const JOB = fileURLToPath(new URL('../fixtures/default-server-job.mjs', import.meta.url));

/*
 * Regression (issue 15, item 3): a short-lived job that kept the default /metrics server never
 * ended by itself — the listening server held the event loop open after the work was done. The
 * server is now unref'd (idle connections too): the job ends when its work ends, and its last
 * data goes out on the way (beforeExit). A service with handles of its own keeps running.
 */
describe('regression: the default /metrics server kept a finished job alive', function () {
  this.timeout(60_000);
  let receiver: OtlpReceiver;
  before(async () => {
    receiver = await startOtlpReceiver();
  });
  after(async () => receiver?.stop());
  beforeEach(async () => receiver.reset());

  it('a job with defaults is scraped while it works, then exits by itself with code 0 and its last data arrives', async () => {
    let scraped = '';
    const ended = await runApp({
      script: JOB,
      // Port 0: the job prints the URL it bound (a port picked free beforehand can be taken first).
      env: { OTEL_EXPORTER_PROMETHEUS_PORT: '0', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, WORK_MS: '1500' },
      limitMs: 15_000,
      onSpawn: (child) => {
        let out = '';
        child.stdout!.on('data', (b: Buffer) => {
          out += b.toString();
          const url = /metrics (\S+)/.exec(out)?.[1];
          if (url && scraped === '') {
            scraped = 'pending';
            // Keep-alive scrape: an idle kept-alive connection must not hold the job either.
            void fetch(url, { keepalive: true }).then(async (r) => (scraped = await r.text()), (e: Error) => (scraped = `failed: ${e.message}`));
          }
        });
      },
    });
    expect(ended.code, ended.output).to.equal(0);
    expect(ended.output).to.contain('work done');
    // Work 1.5 s; the rest is startup and the final export (bounded by shutdownTimeoutMillis).
    expect(ended.ms, 'ends in bounded time').to.be.below(10_000);
    expect(scraped).to.match(/^job_items_total\{[^}]*\} 41$/m);
    expect(otlpValues(await receiver.requests(), 'job.items')).to.deep.equal([42]);
  });

  it('a service with a server of its own keeps running (and serving /metrics) after its startup work', async () => {
    let child: import('node:child_process').ChildProcess | undefined;
    let out = '';
    const ended = runApp({
      script: JOB,
      env: { OTEL_EXPORTER_PROMETHEUS_PORT: '0', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, WORK_MS: '200', SERVICE: '1' },
      limitMs: 15_000,
      onSpawn: (c) => {
        child = c;
        c.stdout!.on('data', (b: Buffer) => (out += b.toString()));
      },
    });
    await new Promise((r) => setTimeout(r, 2500));
    expect(child!.exitCode).to.equal(null);
    const url = /metrics (\S+)/.exec(out)?.[1];
    expect(url, out).to.be.a('string');
    const text = await (await fetch(url!)).text();
    expect(text).to.match(/^job_items_total\{[^}]*\} 42$/m);
    child!.kill('SIGTERM');
    const e = await ended;
    expect(e.signal, e.output).to.equal('SIGTERM');
    expect(otlpValues(await receiver.requests(), 'job.items')).to.deep.equal([42]);
  });
});
