import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { ensureCollector, startCollector, startPostgres, tempDir, type PostgresServer, type RunningCollector } from '@otelkit/testkit';
import { errorBurstPhase, expectQuiet, runFaultPhase } from '../support/fault-phase.js';
import { writeCompressedRules } from '../support/compressed-rules.js';
import { checkDashboards, checkRecordingRules, JOBS } from '../support/live-checks.js';
import { startExample, type ExampleService } from '../support/example-services.js';
import { startRulesPrometheus, type RulesPrometheus } from '../support/rules-prometheus.js';

const MONITORING = fileURLToPath(new URL('../../../../monitoring/', import.meta.url));
/** The scrape job of the Collector's Prometheus exporter (its `up`; the data keeps the services' job). */
const COLLECTOR_JOB = 'otel-collector';

/**
 * Run 2: the same examples export OTLP to a real Collector and Prometheus scrapes only the
 * Collector's Prometheus exporter (honor_labels: job = service.name, instance =
 * service.instance.id, plus otel_scope_* labels). The same dashboards and time-compressed rules
 * must work unchanged on this path.
 */
describe('monitoring, live: Prometheus scrapes the Collector fed by the examples over OTLP', function () {
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
    this.timeout(40 * 60_000);
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
      startExample('coordinator', { ...otlp, SIMULATE_EVERY_MS: '50', SIMULATE_FAILURE_EVERY: '0' }),
      startExample('worker', { ...otlp, DATABASE_URL: db.connectionString, INTERVAL_MS: '100', PG_POOL_MAX: '4', BATCH_SIZE: '50', FEED_EVERY_MS: '20' }),
    ]);
    prom = await startRulesPrometheus({
      jobs: [{ name: COLLECTOR_JOB, targets: [collector.prometheusEndpoint], honorLabels: true }],
      ruleFiles: await writeCompressedRules(rulesDir.path),
    });
    await prom.waitForTargetsUp();
  });
  after(async () => {
    await prom?.stop();
    await Promise.all([coordinator?.stop(), worker?.stop()]);
    await collector?.stop();
    await db?.stop();
    await rulesDir?.remove();
    console.log(`    (collector-path run: ${((Date.now() - started) / 1000).toFixed(1)} s wall time)`);
  });

  it('the services arrive under their own job and instance (service.name, service.instance.id)', async () => {
    const jobs = new Set((await prom.query('count by (job) (target_info)')).map((s) => s.metric.job));
    expect([...jobs].sort()).to.deep.equal([JOBS.coordinator, JOBS.worker].sort());
  });

  it('healthy: once the windows have data, no alert is pending or firing', async function () {
    this.timeout(60_000);
    await expectQuiet(prom, 5_000);
  });


  it('error burst through the Collector: the same burn alerts fire, under the service job, nothing else', async function () {
    this.timeout(120_000);
    await errorBurstPhase(prom, 'error burst (collector path)', coordinator, worker, JOBS);
  });

  it('every recording rule produces series', async () => {
    expect(await checkRecordingRules(prom), 'recording rules without a series').to.deep.equal([]);
  });

  it('every dashboard panel query returns data (template variables substituted)', async () => {
    const report = await checkDashboards(prom, MONITORING, [JOBS.coordinator, JOBS.worker, COLLECTOR_JOB]);
    console.log(`    (${report.checked} panel queries, ${report.exemplarTargets} of them ask for exemplars)`);
    expect(report.exemplarTargets, 'heatmaps asking for exemplars').to.be.greaterThan(0);
    expect(report.checked).to.be.greaterThan(20);
    expect(report.empty, `${report.empty.length} of ${report.checked} panel queries returned no data`).to.deep.equal([]);
    expect(report.withoutExemplars, 'exemplar targets without exemplars in Prometheus').to.deep.equal([]);
  });

  it('stopped Collector: its target is down and every meter set goes absent — those alerts fire, nothing else', async function () {
    this.timeout(120_000);
    // Every meter set that declares a presence series has a <Set>MetricsAbsent alert.
    const absent = (await prom.rules()).filter((r) => r.type === 'alerting' && r.name.endsWith('MetricsAbsent')).map((r) => ({ alertname: r.name }));
    expect(absent.map((a) => a.alertname)).to.include.members(['CoordinatorMetricsAbsent', 'ServiceHealthMetricsAbsent', 'RuntimeMetricsAbsent']);
    await runFaultPhase(prom, {
      name: 'stopped collector (collector path)',
      on: () => collector.pause(),
      off: () => collector.start(),
      expected: [{ alertname: 'OtelkitTargetDown', labels: { job: COLLECTOR_JOB } }, ...absent],
      // The first export after the Collector returns still carries the failures counted while it was away.
      allowed: [{ alertname: 'OtelkitExporterFailing' }],
    });
  });
});
