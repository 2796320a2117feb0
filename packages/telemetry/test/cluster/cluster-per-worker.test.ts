import { expect } from 'chai';
import { parseOpenMetricsStrict, promtoolCheckMetrics, sampleValue, waitFor } from '@otelkit/testkit';
import { ClusterService } from './cluster-service.js';

type Recorded = { traceIds: Record<string, string[]> };
const count = (text: string, worker: string): number | undefined => sampleValue(text, 'cluster_test_requests_total', { route: '/a', worker });

/**
 * `cluster: { mode: 'per-worker' }`: every series once per worker, with the worker label. This
 * cluster uses the `advanced` IPC serialization (the sum-mode suite the default `json`).
 */
describe('cluster aggregation, per-worker mode: series per worker, stale series of a dead worker dropped (real processes)', function () {
  this.timeout(60_000);
  let svc: ClusterService;
  let recorded: Recorded;

  before(async () => {
    svc = await ClusterService.start({ WORKERS: '2', MODE: 'per-worker', STALE_MS: '1000', SERIALIZATION: 'advanced' });
    recorded = await svc.command<Recorded>({ cmd: 'record', n: 3, value: 0.2 }, 'RECORDED');
  });
  after(() => svc?.stop());

  it('each worker has its own series, labelled, with its own exemplars', async () => {
    const text = await svc.scrape();
    for (const w of svc.workers) {
      expect(count(text, w), `worker ${w}`).to.equal(3);
      expect(sampleValue(text, 'cluster_test_duration_seconds_count', { worker: w })).to.equal(3);
    }
    expect(text.split('\n').filter((l) => l.startsWith('cluster_test_requests_total{'))).to.have.length(2);
    expect(sampleValue(text, 'cluster_test_primary_events_total', { worker: 'primary' })).to.equal(1);
    const check = promtoolCheckMetrics(text);
    expect(check.status, check.output).to.equal(0);
    const families = parseOpenMetricsStrict(await svc.scrape(true));
    const samples = families.find((f) => f.name === 'cluster_test_requests')!.samples;
    expect(samples).to.have.length(2);
    for (const s of samples) {
      // A worker's series carries an exemplar from one of that worker's spans.
      expect(recorded.traceIds[s.labels.worker!]).to.include(s.exemplar!.labels.trace_id);
    }
  });

  it('a replaced worker starts new series; the dead one\'s series stay for staleAfterMs, then go', async () => {
    const [victim, survivor] = svc.workers as [string, string];
    // The worker exits after this: its series may go no earlier than killedAt + staleAfterMs.
    const killedAt = Date.now();
    svc.send({ cmd: 'kill', worker: victim, signal: 'SIGKILL' });
    const forked = (await svc.next('FORKED')) as { worker: string };
    await svc.command<Recorded>({ cmd: 'record', n: 1, value: 0.2 }, 'RECORDED');
    let text = await svc.scrape();
    if (Date.now() - killedAt < 900) expect(count(text, victim), 'kept with its final value for a while').to.equal(3);
    expect(count(text, survivor)).to.equal(4);
    expect(count(text, forked.worker), 'the replacement counts from zero, in its own series').to.equal(1);
    await waitFor('the dead worker\'s series to be dropped', async () => count(await svc.scrape(), victim) === undefined, 10_000, 200);
    expect(Date.now() - killedAt).to.be.at.least(1000);
    text = await svc.scrape();
    expect(sampleValue(text, 'cluster_test_duration_seconds_count', { worker: victim })).to.equal(undefined);
    expect(sampleValue(text, 'cluster_test_worker_pid_ratio', { worker: victim })).to.equal(undefined);
    expect(count(text, forked.worker)).to.equal(1);
    const h = (await svc.command<Record<string, any>>({ cmd: 'health' }, 'HEALTH')) as { cluster: any };
    expect(h.cluster.workers.map((w: any) => w.worker)).to.not.include(victim);
    expect(h.cluster.departedSeries).to.equal(0);
  });
});
