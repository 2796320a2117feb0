import { expect } from 'chai';
import { ExportResultCode } from '@opentelemetry/core';
import { ensureCollector, startCollector, startPrometheus, tempDir, waitFor, type PrometheusServer, type RunningCollector } from '@otelkit/testkit';
import { remoteWriteVariant, Workload } from './workload.js';

describe('otel-collector.yaml, remote-write alternative uncommented: OTLP in, remote write to a real Prometheus', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let prom: PrometheusServer;
  let collector: RunningCollector;
  let w: Workload;

  before(async function () {
    this.timeout(40 * 60_000);
    await ensureCollector();
    this.timeout(60_000);
    dir = await tempDir('collector-rw');
    // Nothing to scrape: the samples only arrive through /api/v1/write.
    prom = await startPrometheus({ targets: [], flags: ['--web.enable-remote-write-receiver', '--enable-feature=exemplar-storage'] });
    collector = await startCollector({ config: await remoteWriteVariant(dir.path), env: { OTELKIT_REMOTE_WRITE_URL: `${prom.url}/api/v1/write` } });
    w = new Workload(collector.otlpHttpUrl, 'rw-1');
    w.job('fast', 0.4, 3);
    w.job('slow', 4, 1);
    w.cache(2048);
    expect((await w.export()).code).to.equal(ExportResultCode.SUCCESS);
  });
  after(async () => {
    await w?.shutdown();
    await collector?.stop();
    await prom?.stop();
    await dir?.remove();
  });

  const value = async (expr: string): Promise<number | undefined> => {
    const r = await prom.query(expr);
    return r.length === 1 ? Number(r[0]!.value[1]) : undefined;
  };

  it('the series arrive under the same names and values as through the scrape', async () => {
    const sel = 'job="collector-e2e",instance="rw-1"';
    const expected: [string, number][] = [
      [`jobs_done_total{${sel},queue="fast"}`, 3],
      [`jobs_done_total{${sel},queue="slow"}`, 1],
      [`job_duration_seconds_count{${sel},queue="slow"}`, 1],
      [`job_duration_seconds_bucket{${sel},queue="fast",le="1"}`, 1],
      [`job_duration_seconds_bucket{${sel},queue="slow",le="1"}`, 0],
      [`cache_size_bytes{${sel}}`, 2048],
      [`target_info{${sel},deployment_environment_name="test"}`, 1],
    ];
    for (const [expr, n] of expected) {
      await waitFor(`${expr} == ${n}`, async () => (await value(expr)) === n, 15_000, 250).catch(async (e: Error) => {
        throw new Error(`${e.message} (last: ${JSON.stringify(await prom.query(expr))})`);
      });
    }
  });

  it('the remote-write exporter carries the exemplars too', async () => {
    type ExemplarSeries = { exemplars: { labels: Record<string, string> }[] }[];
    const stored = await waitFor('exemplars in Prometheus', async () => {
      const r = await prom.api<ExemplarSeries>('query_exemplars', {
        query: 'job_duration_seconds_bucket{instance="rw-1"}',
        start: String(Date.now() / 1000 - 600),
        end: String(Date.now() / 1000 + 60),
      });
      return r.length > 0 ? r : undefined;
    }, 15_000, 250);
    const ids = stored.flatMap((s) => s.exemplars.map((e) => e.labels.trace_id));
    expect(ids.sort()).to.deep.equal(Object.values(w.recorded.spans).flat().map((s) => s.traceId).sort());
  });
});
