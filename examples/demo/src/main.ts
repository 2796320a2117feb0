// The otelkit demo — the mission in one process: a coordinator routing tasks to fast / planner /
// hgnn with persistence and dispatch, and a worker whose evaluator and dispatcher loops drain a
// queue over a connection pool, both measured with the meter sets of @otelkit/meters, traced (every
// task is a span, so the histograms carry exemplars), on one /metrics. No outside service needed:
// without PostgreSQL the worker runs on an in-process queue behind a pool stand-in.
//
//   npm run demo                        (from the repository root: installs, builds, starts this)
//   DATABASE_URL=postgresql://… npm run demo      (the worker on a real PostgreSQL, pg.Pool)
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCoordinator, type CoordinatorServer } from '@otelkit/example-coordinator/server';
import { startWorker, type Worker } from '@otelkit/example-worker/worker';
import { initTelemetry } from '@otelkit/telemetry';
import { demoConfig } from './config.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

let cfg;
try {
  cfg = demoConfig(process.env);
} catch (e) {
  console.error(`demo: ${(e as Error).message}`);
  process.exit(1);
}

const tel = initTelemetry({
  serviceName: process.env.OTEL_SERVICE_NAME ?? 'otelkit-demo',
  serviceVersion: '0.1.0',
  // The demo handles SIGINT/SIGTERM itself: stop the loops, then flush.
  shutdownHooks: false,
});
try {
  await tel.ready;
} catch (e) {
  console.error(`demo: ${(e as Error).message} (set OTEL_EXPORTER_PROMETHEUS_PORT to a free port; 0 picks one)`);
  process.exit(1);
}

let coordinator: CoordinatorServer | undefined;
let worker: Worker | undefined;
const stop = async (code: number): Promise<void> => {
  await worker?.close().catch((e: Error) => console.error(`demo: stopping the worker: ${e.message}`));
  await coordinator?.close().catch((e: Error) => console.error(`demo: stopping the coordinator: ${e.message}`));
  await tel.shutdown().catch((e: Error) => console.error(`demo: final flush: ${e.message}`));
  process.exit(code);
};
try {
  coordinator = await startCoordinator({ telemetry: tel, host: cfg.host, port: cfg.coordinatorPort, simulateEveryMs: cfg.taskEveryMs, simulateFailureEvery: cfg.failureEvery });
  worker = await startWorker({
    telemetry: tel,
    storage: cfg.storage,
    databaseUrl: cfg.databaseUrl,
    host: cfg.host,
    port: cfg.workerPort,
    intervalMs: 250,
    poolMax: 4,
    batchSize: 50,
    feedEveryMs: cfg.signalEveryMs,
    poisonEvery: cfg.poisonEvery,
  });
} catch (e) {
  const err = e as NodeJS.ErrnoException;
  console.error(`demo: ${err.code === 'EADDRINUSE' ? `${err.message}: set PORT / WORKER_PORT to free ports (0 picks one)` : err.message}`);
  await stop(1);
}
process.once('SIGINT', () => void stop(0));
process.once('SIGTERM', () => void stop(0));

const monitoring = join(REPO, 'monitoring');
const list = (dir: string, suffix: string): string[] =>
  existsSync(join(monitoring, dir)) ? readdirSync(join(monitoring, dir)).filter((f) => f.endsWith(suffix)).sort() : [];
const dashboards = list('dashboards', '.json');
const rules = list('rules', '.rules.yml');
const rel = (p: string): string => relative(process.cwd(), p) || '.';
const metricsUrl = tel.metricsUrl!;
const target = new URL(metricsUrl).host;

console.log(`otelkit demo is running (service "${tel.config.serviceName}")

  metrics     ${metricsUrl}
              every family on one endpoint: coordinator_routing_* coordinator_execution_*
              coordinator_persistence_* coordinator_dispatch_* (routing, execution, persistence,
              dispatch) and queue_depth, processing_*, db_client_connection_*, db_pool_* (worker health)
              OpenMetrics with exemplars: curl -H 'Accept: application/openmetrics-text' ${metricsUrl}
  coordinator ${coordinator!.url}   POST /tasks, GET /snapshot — a task every ${cfg.taskEveryMs} ms
  worker      ${worker!.url}/healthz   ${worker!.store.description}, a signal every ${cfg.signalEveryMs} ms

  dashboards  ${rel(join(monitoring, 'dashboards'))}/  ${dashboards.length > 0 ? dashboards.join(' ') : '(not generated yet: npx otelkit catalog)'}
              Grafana: Dashboards → New → Import → upload each file, pick your Prometheus data source
              (or copy them into a provisioned dashboards folder, see ${rel(join(monitoring, 'README.md'))})
  rules       ${rel(join(monitoring, 'rules'))}/  ${rules.length > 0 ? rules.join(' ') : '(not generated yet)'}
              Prometheus: add to prometheus.yml, then start it with --enable-feature=exemplar-storage
                rule_files: ['${join(monitoring, 'rules')}/*.rules.yml']
                scrape_configs:
                  - job_name: ${tel.config.serviceName}
                    static_configs: [{ targets: ['${target}'] }]

  faults      curl -X PUT ${coordinator!.url}/admin/faults/error-burst        (executions fail)
              curl -X PUT ${worker!.url}/admin/faults/stalled-consumer   (the queue grows, no cycles)
              curl -X PUT ${worker!.url}/admin/faults/pool-exhausted     (idle 0, clients waiting)
              curl -X DELETE …/admin/faults/<name> turns one off; the matching alert fires within its 'for:'
Ctrl-C stops it (metrics are flushed first).`);
