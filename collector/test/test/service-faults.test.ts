import { expect } from 'chai';
import { initTelemetry, type Telemetry } from '@otelkit/telemetry';
import { ensureCollector, startCollector, startPrometheus, waitFor, type PrometheusServer, type RunningCollector } from '@otelkit/testkit';

/** Limits under the collector's own heap (~20 MiB measured): memory_limiter refuses everything. */
const REFUSING = { OTELKIT_COLLECTOR_LIMIT_MIB: '2', OTELKIT_COLLECTOR_SPIKE_LIMIT_MIB: '1' };
const NORMAL = { OTELKIT_COLLECTOR_LIMIT_MIB: '512', OTELKIT_COLLECTOR_SPIKE_LIMIT_MIB: '128' };

describe('a service on initTelemetry() with the shipped collector: exact parity, and faults seen through health()', () => {
  let collector: RunningCollector;
  let prom: PrometheusServer;
  let tel: Telemetry;
  let metricsPort: number;
  const recorded = { ok: 0, failed: 0, observations: 0 };
  let record: (n: number) => void;

  before(async function () {
    this.timeout(40 * 60_000);
    await ensureCollector();
    this.timeout(60_000);
    collector = await startCollector({ env: NORMAL });
    tel = initTelemetry({
      serviceName: 'svc-faults',
      serviceInstanceId: 'svc-faults-1',
      sampler: 'always_on',
      runtimeMetrics: false,
      shutdownHooks: false,
      // Port 0, then Prometheus on the bound port: a port picked free before Prometheus starts can
      // be taken in the meantime.
      prometheus: { host: '127.0.0.1', port: 0 },
      otlp: { endpoint: collector.otlpHttpUrl, timeoutMillis: 1000 },
      metricExportIntervalMillis: 300,
      metricExportTimeoutMillis: 2000,
    });
    await tel.ready;
    metricsPort = Number(new URL(tel.metricsUrl!).port);
    prom = await startPrometheus({ targets: [collector.prometheusEndpoint, `127.0.0.1:${metricsPort}`], honorLabels: true });
    const meter = tel.meter('svc-faults', '1.0.0');
    const jobs = meter.createCounter('svc.jobs', { unit: '{job}' });
    const ok = jobs.bind({ outcome: 'ok' });
    const failed = jobs.bind({ outcome: 'failed' });
    const duration = meter.createHistogram('svc.job.duration', { unit: 's', advice: { explicitBucketBoundaries: [0.1, 1] } }).bind({});
    const tracer = tel.tracer('svc-faults');
    record = (n) => {
      for (let i = 0; i < n; i++) {
        tracer.startActiveSpan('job', (span) => {
          if (i % 4 === 3) {
            failed.add(1);
            recorded.failed++;
          } else {
            ok.add(1);
            recorded.ok++;
          }
          duration.record((i % 3) * 0.5);
          recorded.observations++;
          span.end();
        });
      }
    };
    await prom.waitForTargetsUp();
  });
  after(async () => {
    await tel?.shutdown().catch(() => undefined);
    await prom?.stop();
    await collector?.stop();
  });

  const value = async (expr: string): Promise<number | undefined> => {
    const r = await prom.query(expr);
    return r.length === 1 ? Number(r[0]!.value[1]) : undefined;
  };
  const direct = (): string => `instance="127.0.0.1:${metricsPort}"`;
  const VIA = 'job="svc-faults",instance="svc-faults-1"';
  /** Both paths in Prometheus equal what was recorded. */
  const bothPathsShowEverything = (what: string): Promise<unknown> =>
    waitFor(what, async () => {
      for (const sel of [direct(), VIA]) {
        if ((await value(`svc_jobs_total{${sel},outcome="ok"}`)) !== recorded.ok) return false;
        if ((await value(`svc_jobs_total{${sel},outcome="failed"}`)) !== recorded.failed) return false;
        if ((await value(`svc_job_duration_seconds_count{${sel}}`)) !== recorded.observations) return false;
      }
      return true;
    }, 20_000, 250).catch(async (e: Error) => {
      throw new Error(`${e.message}; recorded ${JSON.stringify(recorded)}; direct ${await value(`sum(svc_jobs_total{${direct()}})`)}, via collector ${await value(`sum(svc_jobs_total{${VIA}})`)}`);
    });

  it('once recording stops, its own /metrics and the collector path show exactly the recorded values', async function () {
    this.timeout(30_000);
    record(40);
    await tel.forceFlush();
    await bothPathsShowEverything('both paths to equal the recorded totals');
    expect(tel.health()).to.include({ status: 'ok' });
  });

  it('memory_limiter refusing (503): the service keeps running, health() shows the failures, totals are complete after recovery', async function () {
    this.timeout(60_000);
    await collector.start(REFUSING);
    record(12);
    // An export in the restart gap fails on the connection first; then the limiter's 503s come.
    await waitFor('health() to report the refused exports', () => {
      const h = tel.health();
      const otlp = h.exporters['otlp-metrics']!;
      return h.status === 'degraded' && otlp.consecutiveFailures > 0 && /HTTP 503: data refused due to high memory usage/.test(otlp.lastError ?? '');
    }, 20_000, 100);
    // The service itself is unaffected: its own endpoint keeps serving the current totals.
    record(8);
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(text).to.match(new RegExp(`svc_jobs_total\\{[^}]*outcome="ok"[^}]*\\} ${recorded.ok}\\n`));

    await collector.start(NORMAL);
    await waitFor('health() to recover', () => tel.health().status === 'ok', 20_000, 100);
    await bothPathsShowEverything('the totals through the collector to include everything recorded during the refusal');
  });

  it('collector stopped: the service keeps running, health() shows the failures, totals are complete after it returns', async function () {
    this.timeout(60_000);
    await collector.pause();
    record(9);
    await waitFor('health() to report the failed exports', () => {
      const h = tel.health();
      return h.status === 'degraded' && h.exporters['otlp-metrics']!.consecutiveFailures > 0;
    }, 20_000, 100);
    record(3);
    await collector.start();
    await waitFor('health() to recover', () => tel.health().status === 'ok', 20_000, 100);
    await bothPathsShowEverything('the totals through the collector to include everything recorded during the outage');
  });
});
