import { parseOpenMetricsStrict, sampleValue, startPostgres, startProcess, startScriptArgs, waitFor, type PostgresServer, type RunningProcess } from '@otelkit/testkit';
import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const root = fileURLToPath(new URL('..', import.meta.url));

interface Demo {
  proc: RunningProcess;
  metricsUrl: string;
  coordinatorUrl: string;
  workerUrl: string;
}

/** Starts `npm start`'s command on free ports, without any database variable unless given. */
async function startDemo(extra: Record<string, string> = {}): Promise<Demo> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const k of Object.keys(env)) if (k === 'DATABASE_URL' || k.startsWith('PG') || k.startsWith('OTEL_')) delete env[k];
  const proc = startProcess(process.execPath, startScriptArgs(root), {
    cwd: root,
    env: { ...env, PORT: '0', WORKER_PORT: '0', OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1', OTEL_EXPORTER_PROMETHEUS_PORT: '0', ...extra },
  });
  const urls = await waitFor(
    'the demo to print where everything is',
    () => {
      if (proc.child.exitCode !== null) throw new Error(`demo exited with code ${proc.child.exitCode}: ${proc.output()}`);
      const out = proc.output();
      const m = /metrics\s+(http:\/\/\S+)/.exec(out);
      const c = /coordinator (http:\/\/\S+)/.exec(out);
      const w = /worker\s+(http:\/\/\S+)\/healthz/.exec(out);
      return m && c && w && out.includes('Ctrl-C') ? { metricsUrl: m[1]!, coordinatorUrl: c[1]!, workerUrl: w[1]! } : undefined;
    },
    30_000,
    50,
  );
  return { proc, ...urls };
}

describe('example: demo (`npm run demo`)', function () {
  this.timeout(60_000);

  describe('without any database (in-process queue and pool stand-in)', () => {
    let demo: Demo;
    before(async () => {
      demo = await startDemo();
    });
    after(async () => {
      await demo?.proc.stop();
    });

    it('prints where the metrics, the dashboards and the rules are, and how to load them', () => {
      const out = demo.proc.output();
      expect(out).to.contain('in-process queue behind a pool stand-in');
      expect(out).to.match(/dashboards\s+\S*monitoring\/dashboards\//);
      expect(out).to.contain('Dashboards → New → Import');
      expect(out).to.match(/rule_files: \['\S+\/monitoring\/rules\/\*\.rules\.yml'\]/);
      expect(out).to.contain('--enable-feature=exemplar-storage');
      expect(out).to.contain(`curl -X PUT ${demo.coordinatorUrl}/admin/faults/error-burst`);
    });

    it('one /metrics shows the routing, execution, persistence and dispatch families and the worker health gauges', async () => {
      const text = await waitFor('every route decided and both loops cycling', async () => {
        const t = await (await fetch(demo.metricsUrl)).text();
        const v = (name: string, labels: Record<string, string> = {}): number => sampleValue(t, name, labels) ?? 0;
        return ['fast', 'planner', 'hgnn'].every((route) => v('coordinator_routing_decisions_total', { route }) > 0) &&
          v('processing_cycles_total', { service: 'evaluator', operation: 'evaluate', outcome: 'success' }) > 0 &&
          v('processing_cycles_total', { service: 'dispatcher', operation: 'dispatch', outcome: 'success' }) > 0 &&
          v('coordinator_dispatch_dispatches_total', { route: 'hgnn', status: 'ok' }) > 0
          ? t
          : undefined;
      }, 20_000, 200);
      const families = new Set(text.split('\n').filter((l) => l.startsWith('# TYPE ')).map((l) => l.split(' ')[2]));
      for (const f of [
        'coordinator_routing_decisions_total', 'coordinator_routing_cache_lookups_total', 'coordinator_routing_remote_resolutions_total', 'coordinator_routing_hgnn_plans_total',
        'coordinator_execution_tasks_total', 'coordinator_execution_duration_seconds', 'coordinator_execution_escalation_failures_total',
        'coordinator_persistence_proto_plan_upserts_total', 'coordinator_persistence_outbox_enqueues_total', 'coordinator_persistence_duration_seconds',
        'coordinator_dispatch_dispatches_total', 'coordinator_dispatch_duration_seconds', 'coordinator_route_and_execute_duration_seconds',
        'queue_depth', 'processing_duration_seconds', 'processing_cycles_total', 'db_client_connection_count', 'db_client_connection_pending_requests', 'db_pool_size', 'db_pool_free',
      ]) {
        expect(families.has(f), `family ${f} on /metrics`).to.equal(true);
      }
      const pool = { service: 'evaluator', db_client_connection_pool_name: 'main' };
      expect(sampleValue(text, 'db_pool_size', pool)).to.be.within(1, 4);
      expect(sampleValue(text, 'queue_depth', { service: 'evaluator', queue_name: 'pending' })).to.be.at.least(0);
    });

    it("the latency histograms carry exemplars of the task and cycle spans", async () => {
      const om = await fetch(demo.metricsUrl, { headers: { accept: 'application/openmetrics-text;version=1.0.0' } });
      const families = parseOpenMetricsStrict(await om.text());
      for (const name of ['coordinator_route_and_execute_duration_seconds', 'coordinator_execution_duration_seconds', 'processing_duration_seconds']) {
        const exemplars = families.find((f) => f.name === name)!.samples.filter((s) => s.exemplar !== null).map((s) => s.exemplar!);
        expect(exemplars.length, `exemplars on ${name}`).to.be.greaterThan(0);
        for (const e of exemplars) expect(e.labels.trace_id).to.match(/^[0-9a-f]{32}$/);
      }
    });

    it('the pool stand-in behaves like pg.Pool: the pool-exhausted fault shows idle 0 and waiting clients, then recovers', async () => {
      const pool = { service: 'evaluator', db_client_connection_pool_name: 'main' };
      const gauges = async () => {
        const t = await (await fetch(demo.metricsUrl)).text();
        return {
          idle: sampleValue(t, 'db_client_connection_count', { ...pool, db_client_connection_state: 'idle' }),
          used: sampleValue(t, 'db_client_connection_count', { ...pool, db_client_connection_state: 'used' }),
          waiting: sampleValue(t, 'db_client_connection_pending_requests', pool)!,
        };
      };
      expect((await fetch(`${demo.workerUrl}/admin/faults/pool-exhausted`, { method: 'PUT' })).status).to.equal(200);
      try {
        await waitFor('an exhausted pool', async () => {
          const g = await gauges();
          return g.idle === 0 && g.used === 4 && g.waiting >= 2;
        }, 10_000, 100);
      } finally {
        expect((await fetch(`${demo.workerUrl}/admin/faults/pool-exhausted`, { method: 'DELETE' })).status).to.equal(200);
      }
      await waitFor('the pool to recover', async () => (await gauges()).waiting === 0, 10_000, 100);
    });
  });

  describe('with DATABASE_URL (a real PostgreSQL and pg.Pool)', () => {
    let db: PostgresServer;
    let demo: Demo;
    before(async () => {
      db = await startPostgres();
      demo = await startDemo({ DATABASE_URL: db.connectionString });
    });
    after(async () => {
      await demo?.proc.stop();
      await db?.stop();
    });

    it('the worker queues, scores and dispatches signals in PostgreSQL, and the pool gauges are those of its pg.Pool', async () => {
      expect(demo.proc.output()).to.contain(`postgresql://postgres@127.0.0.1:${db.port}/postgres`);
      const client = new pg.Client({ connectionString: db.connectionString });
      await client.connect();
      try {
        await waitFor('dispatched signals in the database', async () => {
          const { rows } = await client.query<{ n: string }>("SELECT count(*) AS n FROM signals WHERE status = 'dispatched'");
          return Number(rows[0]!.n) > 0;
        }, 20_000, 200);
      } finally {
        await client.end();
      }
      const text = await (await fetch(demo.metricsUrl)).text();
      expect(sampleValue(text, 'db_pool_size', { service: 'evaluator', db_client_connection_pool_name: 'main' })).to.be.within(1, 4);
      expect(sampleValue(text, 'processing_cycles_total', { service: 'dispatcher', operation: 'dispatch', outcome: 'success' })).to.be.above(0);
    });
  });
});
