import { sampleValue, startPostgres, startProcess, startScriptArgs, waitFor, type PostgresServer, type RunningProcess } from '@otelkit/testkit';
import { expect } from 'chai';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function start(env: Record<string, string>): RunningProcess {
  const { DATABASE_URL: _drop, FAULTS: _faults, ...base } = process.env;
  return startProcess(process.execPath, startScriptArgs(root), { cwd: root, env: { ...base, PORT: '0', HOST: '127.0.0.1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

async function listening(proc: RunningProcess): Promise<string> {
  return waitFor(
    'the worker health server',
    () => {
      if (proc.child.exitCode !== null) throw new Error(`worker exited with code ${proc.child.exitCode}: ${proc.output()}`);
      return /listening on (http:\/\/\S+)/.exec(proc.output())?.[1];
    },
    30_000,
    50,
  );
}

describe('example: worker fault switches (real PostgreSQL)', function () {
  this.timeout(90_000);

  it('refuses an unknown fault in FAULTS, naming the known ones', async () => {
    const proc = start({ STORAGE: 'memory', FAULTS: 'error-burst,meltdown' });
    const code = await new Promise<number | null>((resolve) => proc.child.once('exit', (c) => resolve(c)));
    expect(code).to.equal(1);
    expect(proc.output()).to.contain('FAULTS: unknown fault(s) meltdown; known: error-burst, stalled-consumer, pool-exhausted');
  });

  describe('running with a feeder', () => {
    let db: PostgresServer;
    let proc: RunningProcess;
    let url = '';
    const metrics = async (): Promise<(name: string, labels?: Record<string, string>) => number | undefined> => {
      const t = await (await fetch(`${url}/metrics`)).text();
      return (name, labels = {}) => sampleValue(t, name, labels);
    };
    const evaluator = { service: 'evaluator', operation: 'evaluate' };
    const pool = { service: 'evaluator', db_client_connection_pool_name: 'main' };
    const fault = async (name: string, on: boolean): Promise<unknown> => {
      const res = await fetch(`${url}/admin/faults/${name}`, { method: on ? 'PUT' : 'DELETE' });
      expect(res.status).to.equal(200);
      return res.json();
    };

    before(async () => {
      db = await startPostgres();
      proc = start({ DATABASE_URL: db.connectionString, INTERVAL_MS: '20', PG_POOL_MAX: '2', BATCH_SIZE: '100', FEED_EVERY_MS: '10' });
      url = await listening(proc);
      await waitFor('cycles on /metrics', async () => ((await metrics())('processing_cycles_total', { ...evaluator, outcome: 'success' }) ?? 0) > 3, 10_000, 50);
    });
    after(async () => {
      await proc?.stop();
      await db?.stop();
    });

    it('the admin endpoint lists the switches and refuses an unknown one', async () => {
      expect(await (await fetch(`${url}/admin/faults`)).json()).to.deep.equal({ faults: { 'error-burst': false, 'stalled-consumer': false, 'pool-exhausted': false } });
      const res = await fetch(`${url}/admin/faults/meltdown`, { method: 'PUT' });
      expect(res.status).to.equal(404);
    });

    it('pool-exhausted: every connection held, idle 0, the loops and the feeder wait; then it recovers', async () => {
      expect(await fault('pool-exhausted', true)).to.deep.include({ faults: { 'error-burst': false, 'stalled-consumer': false, 'pool-exhausted': true } });
      let cycles = 0;
      try {
        // Exhausted for good: the fault holds both connections and exactly the evaluator, the
        // dispatcher and the feeder wait — seen twice 200 ms apart, since for a few ms a loop may
        // still hold a connection while one of the fault's own requests waits.
        let seen = 0;
        await waitFor('an exhausted pool', async () => {
          const v = await metrics();
          cycles = v('processing_cycles_total', { ...evaluator, outcome: 'success' })!;
          const exhausted = v('db_client_connection_count', { ...pool, db_client_connection_state: 'idle' }) === 0 &&
            v('db_client_connection_count', { ...pool, db_client_connection_state: 'used' }) === 2 &&
            v('db_client_connection_pending_requests', pool) === 3;
          seen = exhausted ? seen + 1 : 0;
          return seen >= 2;
        }, 10_000, 200);
        // Nothing gets a connection: no cycle ends while it lasts.
        await new Promise((r) => setTimeout(r, 300));
        expect((await metrics())('processing_cycles_total', { ...evaluator, outcome: 'success' })).to.equal(cycles);
      } finally {
        await fault('pool-exhausted', false);
      }
      await waitFor('the pool to recover and cycles to resume', async () => {
        const v = await metrics();
        return v('db_client_connection_pending_requests', pool) === 0 && v('processing_cycles_total', { ...evaluator, outcome: 'success' })! > cycles;
      }, 10_000, 50);
    });

    it('stalled-consumer: the pending queue grows and the evaluator ends no cycle, the dispatcher goes on; then it drains', async () => {
      await fault('stalled-consumer', true);
      let before = { cycles: 0, depth: 0, dispatches: 0 };
      try {
        // The cycle running when the switch went on may still finish: take the baseline after it.
        await new Promise((r) => setTimeout(r, 200));
        let v = await metrics();
        before = {
          cycles: v('processing_cycles_total', { ...evaluator, outcome: 'success' })!,
          depth: v('queue_depth', { service: 'evaluator', queue_name: 'pending' })!,
          dispatches: v('processing_cycles_total', { service: 'dispatcher', operation: 'dispatch', outcome: 'success' })!,
        };
        await waitFor('the pending queue to grow by 30', async () => ((await metrics())('queue_depth', { service: 'evaluator', queue_name: 'pending' }) ?? 0) > before.depth + 30, 10_000, 100);
        v = await metrics();
        expect(v('processing_cycles_total', { ...evaluator, outcome: 'success' })).to.equal(before.cycles);
        expect(v('processing_cycles_total', { ...evaluator, outcome: 'failure' }) ?? 0).to.equal(0);
        expect(v('processing_cycles_total', { service: 'dispatcher', operation: 'dispatch', outcome: 'success' })).to.be.above(before.dispatches);
      } finally {
        await fault('stalled-consumer', false);
      }
      await waitFor('the queue to drain', async () => ((await metrics())('queue_depth', { service: 'evaluator', queue_name: 'pending' }) ?? 99) < 10, 10_000, 100);
    });

    it('error-burst: every evaluator cycle fails with InjectedFault while the queue keeps draining', async () => {
      const v0 = await metrics();
      const failures0 = v0('processing_cycles_total', { ...evaluator, outcome: 'failure' }) ?? 0;
      await fault('error-burst', true);
      try {
        await waitFor('ten failed cycles', async () => ((await metrics())('processing_errors_total', { ...evaluator, error_type: 'InjectedFault' }) ?? 0) >= 10, 10_000, 50);
        const v = await metrics();
        expect(v('processing_cycles_total', { ...evaluator, outcome: 'failure' })! - failures0).to.be.at.least(10);
        expect(v('queue_depth', { service: 'evaluator', queue_name: 'pending' })).to.be.below(20);
      } finally {
        await fault('error-burst', false);
      }
      const v1 = await metrics();
      await new Promise((r) => setTimeout(r, 300));
      const v2 = await metrics();
      expect(v2('processing_errors_total', { ...evaluator, error_type: 'InjectedFault' })).to.equal(v1('processing_errors_total', { ...evaluator, error_type: 'InjectedFault' }));
      expect(v2('processing_cycles_total', { ...evaluator, outcome: 'success' })).to.be.above(v1('processing_cycles_total', { ...evaluator, outcome: 'success' })!);
    });
  });
});
