import { promtoolCheckMetrics, startPostgres, startProcess, waitFor, type PostgresServer, type RunningProcess, sampleValue as valueOf, startScriptArgs } from '@otelkit/testkit';
import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const root = fileURLToPath(new URL('..', import.meta.url));



function start(env: Record<string, string>): RunningProcess {
  const { DATABASE_URL: _drop, ...base } = process.env;
  return startProcess(process.execPath, startScriptArgs(root), { cwd: root, env: { ...base, PORT: '0', HOST: '127.0.0.1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('example: worker (real PostgreSQL)', function () {
  this.timeout(90_000);

  it('refuses to start without DATABASE_URL, naming the variable', async () => {
    const proc = start({});
    const code = await new Promise<number | null>((resolve) => proc.child.once('exit', (c) => resolve(c)));
    expect(code).to.equal(1);
    expect(proc.output()).to.contain('DATABASE_URL is not set');
  });

  describe('running', () => {
    let db: PostgresServer;
    let client: pg.Client;
    let proc: RunningProcess;
    let url = '';
    const scrape = async (): Promise<string> => (await fetch(`${url}/metrics`)).text();
    const pool = { pool: 'main', service: 'evaluator' };
    const gauges = async () => {
      const t = await scrape();
      const withPool = (labels: Record<string, string>) => ({ db_client_connection_pool_name: pool.pool, service: pool.service, ...labels });
      return {
        idle: valueOf(t, 'db_client_connection_count', withPool({ db_client_connection_state: 'idle' })),
        used: valueOf(t, 'db_client_connection_count', withPool({ db_client_connection_state: 'used' })),
        pending: valueOf(t, 'db_client_connection_pending_requests', withPool({})),
        size: valueOf(t, 'db_pool_size', withPool({})),
        free: valueOf(t, 'db_pool_free', withPool({})),
      };
    };

    before(async () => {
      db = await startPostgres();
      proc = start({ DATABASE_URL: db.connectionString, INTERVAL_MS: '20', PG_POOL_MAX: '2', BATCH_SIZE: '100' });
      url = await waitFor(
        'the worker health server',
        () => {
          if (proc.child.exitCode !== null) throw new Error(`worker exited with code ${proc.child.exitCode}: ${proc.output()}`);
          return /listening on (http:\/\/\S+)/.exec(proc.output())?.[1];
        },
        30_000,
        50,
      );
      client = new pg.Client({ connectionString: db.connectionString });
      await client.connect();
    });
    after(async () => {
      await client?.end().catch(() => undefined);
      await proc?.stop();
      await db?.stop();
    });

    it('evaluates and dispatches queued signals; queue depth, cycles and errors show on /metrics', async () => {
      // 48 scorable signals (trust 0/47 … 47/47) and 2 poisoned ones, visible at once: the evaluator
      // (batch 100) takes all 50 in one cycle, and that cycle fails with one EvaluationError.
      const payloads = [...Array.from({ length: 48 }, (_, i) => ({ source: 'rss', trust: i / 47 })), { poison: true }, { poison: true }];
      await client.query('INSERT INTO signals (payload) SELECT * FROM unnest($1::jsonb[])', [payloads]);
      const done = await waitFor('all signals to be processed', async () => {
        const { rows } = await client.query<{ status: string; n: string }>('SELECT status, count(*) AS n FROM signals GROUP BY status');
        const by = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
        return by.pending === undefined && by.evaluated === undefined ? by : undefined;
      }, 30_000, 50);
      const sent = payloads.filter((p) => 'trust' in p && p.trust >= 0.5).length;
      expect(done).to.deep.equal({ dispatched: sent, discarded: 48 - sent, failed: 2 });

      // The gauges are set at the end of each cycle: wait for a cycle of each loop after the work.
      const text = await waitFor('queue depths back to 0', async () => {
        const t = await scrape();
        return valueOf(t, 'queue_depth', { service: 'evaluator', queue_name: 'pending' }) === 0 &&
          valueOf(t, 'queue_depth', { service: 'dispatcher', queue_name: 'evaluated' }) === 0
          ? t
          : undefined;
      }, 10_000, 50);
      const cycles = (service: string, operation: string, outcome: string) => valueOf(text, 'processing_cycles_total', { service, operation, outcome });
      expect(cycles('evaluator', 'evaluate', 'failure')).to.equal(1);
      expect(valueOf(text, 'processing_errors_total', { service: 'evaluator', operation: 'evaluate', error_type: 'EvaluationError' })).to.equal(1);
      expect(cycles('evaluator', 'evaluate', 'success')).to.be.above(1);
      expect(cycles('dispatcher', 'dispatch', 'failure')).to.equal(0);
      const evalCount = valueOf(text, 'processing_duration_seconds_count', { service: 'evaluator', operation: 'evaluate' })!;
      // every cycle is timed: duration count = successes + failures (same scrape)
      expect(evalCount).to.equal(cycles('evaluator', 'evaluate', 'success')! + 1);
      expect(valueOf(text, 'processing_duration_seconds_bucket', { service: 'evaluator', operation: 'evaluate', le: '60' })).to.equal(evalCount);
      // promtool's lint flags one name, by design: `db.client.connection.count` is the semantic-convention
      // name and the Collector exposes it the same way (see packages/meters/README.md). Nothing else.
      const check = promtoolCheckMetrics(text);
      const findings = check.output.split('\n').filter((l) => l.trim() !== '');
      expect(findings).to.deep.equal(['db_client_connection_count non-histogram and non-summary metrics should not have "_count" suffix']);
      expect(check.status, check.output).to.equal(3); // 3 = lint findings only, no parse error
    });

    it('pool gauges move when connections are checked out, and pending requests show up', async () => {
      // Between the ~ms cycles both connections are idle most of the time.
      await waitFor('an idle pool', async () => {
        const g = await gauges();
        return g.used === 0 && g.size === 2 && g.idle === 2 && g.free === 2 && g.pending === 0;
      }, 10_000, 20);

      // Lock the queue table: each loop's next cycle blocks inside its query, holding its connection.
      await client.query('BEGIN');
      await client.query('LOCK TABLE signals IN ACCESS EXCLUSIVE MODE');
      let health: Promise<Response> | undefined;
      try {
        await waitFor('both connections checked out', async () => {
          const g = await gauges();
          return g.used === 2 && g.idle === 0 && g.size === 2 && g.free === 0;
        }, 10_000, 20);
        // /healthz needs a connection too: with both busy it waits in the pool.
        health = fetch(`${url}/healthz`);
        await waitFor('a request waiting for a connection', async () => (await gauges()).pending === 1, 10_000, 20);
      } finally {
        await client.query('COMMIT');
      }
      const res = await health!;
      expect(res.status).to.equal(200);
      await waitFor('the pool to drain', async () => {
        const g = await gauges();
        return g.used === 0 && g.pending === 0 && g.idle === 2;
      }, 10_000, 20);
    });
  });
});
