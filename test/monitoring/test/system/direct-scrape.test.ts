import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { ensureCollector, startCollector, startPostgres, tempDir, waitFor, type PostgresServer, type RunningCollector } from '@otelkit/testkit';
import { errorBurstPhase, expectQuiet, runFaultPhase } from '../support/fault-phase.js';
import { writeCompressedRules } from '../support/compressed-rules.js';
import { checkDashboards, checkRecordingRules, JOBS } from '../support/live-checks.js';
import { startExample, type ExampleService } from '../support/example-services.js';
import { startRulesPrometheus, type RulesPrometheus } from '../support/rules-prometheus.js';

const MONITORING = fileURLToPath(new URL('../../../../monitoring/', import.meta.url));

/**
 * Run 1: Prometheus scrapes the coordinator and worker examples directly (jobs named after the
 * services) and evaluates the time-compressed rules; the examples also export OTLP to a real
 * Collector, which the stopped-Collector fault stops. Faults are induced one at a time and each
 * must raise exactly its alerts; the dashboard queries and recording rules are checked last, when
 * every series (error counters included) has had data.
 */
describe('monitoring, live: Prometheus scrapes the examples directly and evaluates the generated rules', function () {
  this.timeout(120_000);
  let db: PostgresServer;
  let collector: RunningCollector;
  let coordinator: ExampleService;
  let worker: ExampleService;
  let prom: RulesPrometheus;
  let rulesDir: Awaited<ReturnType<typeof tempDir>>;
  let started = 0;

  before(async function () {
    started = Date.now();
    this.timeout(40 * 60_000); // a first run builds the Collector
    await ensureCollector();
    this.timeout(120_000);
    [db, collector, rulesDir] = await Promise.all([startPostgres(), startCollector(), tempDir('monitoring-rules')]);
    const otlp = {
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.otlpHttpUrl,
      // 2 s exports with a 2 s timeout: a slow export on a loaded machine is not a failure (the
      // exporter alert would see it); a stopped Collector still fails at once (connection refused).
      OTEL_METRIC_EXPORT_INTERVAL: '2000',
      OTEL_EXPORTER_OTLP_TIMEOUT: '2000',
      OTEL_BSP_SCHEDULE_DELAY: '500',
      RUNTIME_METRICS: '1',
    };
    [coordinator, worker] = await Promise.all([
      // A task every 50 ms, none failing unless a fault says so: at 1/3600 time scale a rare
      // baseline failure is a burst in a 10 s window (see compressed-rules.ts).
      startExample('coordinator', { ...otlp, SIMULATE_EVERY_MS: '50', SIMULATE_FAILURE_EVERY: '0' }),
      // Pool of 4 for the evaluator, the dispatcher and the feeder: nobody waits while healthy.
      startExample('worker', { ...otlp, DATABASE_URL: db.connectionString, INTERVAL_MS: '100', PG_POOL_MAX: '4', BATCH_SIZE: '50', FEED_EVERY_MS: '20' }),
    ]);
    const ruleFiles = await writeCompressedRules(rulesDir.path);
    prom = await startRulesPrometheus({
      jobs: [
        { name: JOBS.coordinator, targets: [coordinator.target] },
        { name: JOBS.worker, targets: [worker.target] },
      ],
      ruleFiles,
    });
    await prom.waitForTargetsUp();
  });
  after(async () => {
    await prom?.stop();
    await Promise.all([coordinator?.stop(), worker?.stop()]);
    await collector?.stop();
    await db?.stop();
    await rulesDir?.remove();
    console.log(`    (direct-scrape run: ${((Date.now() - started) / 1000).toFixed(1)} s wall time)`);
  });

  it('loads every generated rule file, and every rule evaluates without error', async () => {
    const rules = await waitFor('every rule evaluated once', async () => {
      const r = await prom.rules();
      return r.length > 0 && r.every((x) => x.health === 'ok') ? r : undefined;
    }, 20_000, 500).catch(async (e: Error) => {
      throw new Error(`${e.message}: ${JSON.stringify((await prom.rules()).filter((x) => x.health !== 'ok').map((x) => [x.name, x.health, x.lastError]))}`);
    });
    const alerting = rules.filter((r) => r.type === 'alerting');
    expect(alerting.length).to.be.greaterThan(10);
    for (const a of alerting) {
      expect(a.labels?.severity, a.name).to.match(/^(critical|warning)$/);
      expect(a.annotations?.runbook_url, a.name).to.contain(`RUNBOOK.md#${a.name.toLowerCase()}`);
    }
  });

  it('healthy: once the windows have data, no alert is pending or firing', async function () {
    this.timeout(60_000);
    await expectQuiet(prom, 8_000);
  });


  it('error burst: executions and worker cycles fail — the error-budget burn alerts of execution, dispatch and cycles fire, nothing else', async function () {
    this.timeout(120_000);
    await errorBurstPhase(prom, 'error burst', coordinator, worker, JOBS);
  });

  it('stalled consumer: the pending queue grows without cycles — the backlog alert fires for that queue, nothing else', async function () {
    this.timeout(120_000);
    await runFaultPhase(prom, {
      name: 'stalled consumer',
      on: () => worker.fault('stalled-consumer', true),
      off: () => worker.fault('stalled-consumer', false),
      expected: [{ alertname: 'ServiceHealthQueueBacklogGrowing', labels: { job: JOBS.worker, service: 'evaluator', queue_name: 'pending' } }],
    });
  });

  it('exhausted PostgreSQL pool: idle 0 and clients waiting — the pool alerts fire, nothing else', async function () {
    this.timeout(120_000);
    const pool = { job: JOBS.worker, service: 'evaluator', db_client_connection_pool_name: 'main' };
    await runFaultPhase(prom, {
      name: 'exhausted pool',
      on: () => worker.fault('pool-exhausted', true),
      off: () => worker.fault('pool-exhausted', false),
      expected: [
        { alertname: 'ServiceHealthDbPoolExhausted', labels: pool },
        { alertname: 'ServiceHealthDbPoolClientsWaiting', labels: pool },
      ],
    });
  });

  it("stopped Collector: both services' OTLP exporters (metrics and traces) keep failing — the exporter alert fires for each, nothing else", async function () {
    this.timeout(120_000);
    await runFaultPhase(prom, {
      name: 'stopped collector',
      on: () => collector.pause(),
      off: () => collector.start(),
      expected: [
        { alertname: 'OtelkitExporterFailing', labels: { job: JOBS.coordinator, exporter: 'otlp-metrics' } },
        { alertname: 'OtelkitExporterFailing', labels: { job: JOBS.worker, exporter: 'otlp-metrics' } },
        // Both services trace (the coordinator's tasks, the worker's cycles): their span exports fail too.
        { alertname: 'OtelkitExporterFailing', labels: { job: JOBS.coordinator, exporter: 'otlp-traces' } },
        { alertname: 'OtelkitExporterFailing', labels: { job: JOBS.worker, exporter: 'otlp-traces' } },
      ],
    });
  });

  it('every recording rule produces series', async () => {
    const empty = await checkRecordingRules(prom);
    expect(empty, 'recording rules without a series').to.deep.equal([]);
  });

  it('every dashboard panel query returns data (template variables substituted)', async () => {
    const report = await checkDashboards(prom, MONITORING);
    console.log(`    (${report.checked} panel queries, ${report.exemplarTargets} of them ask for exemplars)`);
    expect(report.exemplarTargets, 'heatmaps asking for exemplars').to.be.greaterThan(0);
    expect(report.checked).to.be.greaterThan(20);
    expect(report.empty, `${report.empty.length} of ${report.checked} panel queries returned no data`).to.deep.equal([]);
    expect(report.withoutExemplars, 'exemplar targets without exemplars in Prometheus').to.deep.equal([]);
  });
});
