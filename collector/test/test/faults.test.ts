import { expect } from 'chai';
import { ExportResultCode } from '@opentelemetry/core';
import { OtlpExportError } from '@otelkit/otlp';
import { ensureCollector, startCollector, startPrometheus, waitFor, type PrometheusServer, type RunningCollector } from '@otelkit/testkit';
import { Workload } from './workload.js';

/** Limits under the collector's own heap (~20 MiB measured): memory_limiter refuses everything. */
const REFUSING = { OTELKIT_COLLECTOR_LIMIT_MIB: '2', OTELKIT_COLLECTOR_SPIKE_LIMIT_MIB: '1' };
/** The shipped defaults, restored. */
const NORMAL = { OTELKIT_COLLECTOR_LIMIT_MIB: '512', OTELKIT_COLLECTOR_SPIKE_LIMIT_MIB: '128' };
const ONE_POINT = JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'probe', gauge: { dataPoints: [{ asDouble: 1 }] } }] }] }] });
const FAST_RETRY = { initialBackoffMillis: 50, maxBackoffMillis: 200, jitter: 0 };

describe('otel-collector.yaml under faults: the exporter fails visibly, cumulative totals survive', () => {
  let collector: RunningCollector;
  let prom: PrometheusServer;

  before(async function () {
    this.timeout(40 * 60_000);
    await ensureCollector();
    this.timeout(60_000);
    collector = await startCollector({ env: REFUSING });
    prom = await startPrometheus({ targets: [collector.prometheusEndpoint], honorLabels: true });
  });
  after(async () => {
    await prom?.stop();
    await collector?.stop();
  });

  const total = async (instance: string, queue: string): Promise<number | undefined> => {
    const r = await prom.query(`jobs_done_total{job="collector-e2e",instance="${instance}",queue="${queue}"}`);
    return r.length === 1 ? Number(r[0]!.value[1]) : undefined;
  };

  it('memory_limiter refusing (503): the export fails with the status after its retries; after recovery the totals include what was refused', async function () {
    this.timeout(60_000);
    // The limiter measures the heap every check_interval (1 s): wait until it refuses.
    await waitFor('the collector to refuse data', async () => {
      // A request without points is answered 200 before reaching the pipeline: send one gauge point.
      const res = await fetch(`${collector.otlpHttpUrl}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: ONE_POINT });
      await res.arrayBuffer();
      return res.status === 503;
    }, 10_000, 100);
    const w = new Workload(collector.otlpHttpUrl, 'refused-1', { retry: FAST_RETRY, timeoutMillis: 1500 });
    try {
      w.job('fast', 0.2, 4);
      const refused = await w.export();
      expect(refused.code).to.equal(ExportResultCode.FAILED);
      expect(refused.error).to.be.instanceOf(OtlpExportError);
      expect((refused.error as OtlpExportError).code).to.equal(503);
      expect((refused.error as OtlpExportError).retryable).to.equal(true);
      const h = w.metrics.health();
      expect(h).to.include({ exports: 1, failures: 1, consecutiveFailures: 1 });
      expect(h.retries).to.be.greaterThan(0);
      expect(h.lastError).to.match(/503: data refused due to high memory usage/);

      await collector.start(NORMAL);
      w.job('fast', 0.3, 6);
      const ok = await w.export();
      expect(ok.code, String(ok.error)).to.equal(ExportResultCode.SUCCESS);
      expect(w.metrics.health().consecutiveFailures).to.equal(0);
      await waitFor('the totals to include the refused points', async () => (await total('refused-1', 'fast')) === 10, 15_000, 250);
    } finally {
      await w.shutdown();
    }
  });

  it('collector stopped: the export fails on the connection; once it is back, the totals equal everything recorded', async function () {
    this.timeout(60_000);
    await collector.start(NORMAL);
    const w = new Workload(collector.otlpHttpUrl, 'outage-1', { retry: FAST_RETRY, timeoutMillis: 1500 });
    try {
      w.job('slow', 2, 1);
      expect((await w.export()).code).to.equal(ExportResultCode.SUCCESS);
      await waitFor('the first total', async () => (await total('outage-1', 'slow')) === 1, 15_000, 250);

      await collector.pause();
      w.job('slow', 3, 2);
      const down = await w.export();
      expect(down.code).to.equal(ExportResultCode.FAILED);
      expect(w.metrics.health()).to.include({ failures: 1, consecutiveFailures: 1 });
      expect(w.metrics.health().lastError).to.match(/ECONNREFUSED|fetch failed|connect/i);
      w.job('slow', 4, 3);

      await collector.start();
      expect((await w.export()).code).to.equal(ExportResultCode.SUCCESS);
      await waitFor('the totals after the outage', async () => (await total('outage-1', 'slow')) === 6, 15_000, 250);
      expect(w.recorded.jobs.slow).to.equal(6);
    } finally {
      await w.shutdown();
    }
  });
});
