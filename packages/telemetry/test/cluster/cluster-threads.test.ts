import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { sampleValue } from '@otelkit/testkit';
import { initTelemetry, type Telemetry } from '../../src/index.js';

const THREAD = fileURLToPath(new URL('../fixtures/cluster-thread.mjs', import.meta.url));

const started = (w: Worker): Promise<{ role: string; server: string }> =>
  new Promise((resolve, reject) => {
    w.on('message', (m: { app?: string; role: string; server: string }) => m?.app === 'up' && resolve(m));
    w.once('error', reject);
  });

/** The same aggregation over worker_threads: the main thread attaches its Workers. */
describe('cluster aggregation over worker_threads', function () {
  this.timeout(30_000);
  let tel: Telemetry;
  const threads: Worker[] = [];
  before(async () => {
    tel = initTelemetry({ serviceName: 'threads-primary', env: {}, runtimeMetrics: false, shutdownHooks: false, prometheus: { host: '127.0.0.1', port: 0 }, cluster: { mode: 'sum' } });
    await tel.ready;
  });
  after(async () => {
    await Promise.all(threads.map((t) => t.terminate()));
    await tel?.shutdown();
  });

  it('threads are workers (no server of their own); the main thread\'s /metrics sums them; a thread that stops gracefully keeps its count', async () => {
    const t0 = Date.now();
    for (const n of [2, 5]) {
      const w = new Worker(THREAD, { workerData: { n } });
      tel.cluster!.attach(w);
      threads.push(w);
      const up = await started(w);
      expect(up.role).to.equal('worker');
      expect(up.server).to.equal('handler-only');
    }
    console.log(`      (2 threads up in ${Date.now() - t0} ms)`);
    const scrape = async (): Promise<string> => (await fetch(tel.metricsUrl!)).text();
    expect(sampleValue(await scrape(), 'thread_jobs_total', { kind: 'batch' })).to.equal(7);
    expect(tel.health().cluster).to.include({ role: 'primary', mode: 'sum' });
    const firstId = threads[0]!.threadId;
    const stopped = new Promise((r) => threads[0]!.on('message', (m: { app?: string }) => m?.app === 'stopped' && r(undefined)));
    threads[0]!.postMessage({ app: 'stop' });
    await stopped;
    await threads[0]!.terminate();
    expect(sampleValue(await scrape(), 'thread_jobs_total', { kind: 'batch' })).to.equal(7);
    const workers = (tel.health().cluster as unknown as { workers: { worker: string; state: string }[] }).workers;
    expect(workers.find((w) => w.worker === `thread-${firstId}`)).to.have.property('state', 'exited');
  });

  it('two workers with one service.instance.id: one warning naming both and the fix', async () => {
    const messages: string[] = [];
    diag.setLogger({ error: (m) => messages.push(m), warn: (m) => messages.push(m), info: () => {}, debug: () => {}, verbose: () => {} }, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
    try {
      for (let i = 0; i < 3; i++) {
        const w = new Worker(THREAD, { workerData: { n: 1, instanceId: 'api-1' } });
        tel.cluster!.attach(w);
        threads.push(w);
        await started(w);
      }
      const warnings = messages.filter((m) => m.includes('same service.instance.id'));
      expect(warnings).to.have.length(1);
      expect(warnings[0]).to.match(/worker thread-\d+ has the same service\.instance\.id as worker thread-\d+ \("api-1"\).*Leave serviceInstanceId unset/);
    } finally {
      diag.disable();
    }
  });
});
