import { sampleValue, startProcess, startScriptArgs, waitFor, type RunningProcess } from '@otelkit/testkit';
import { expect } from 'chai';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('example: coordinator fault switches', function () {
  this.timeout(60_000);
  let proc: RunningProcess;
  let url = '';

  before(async () => {
    const { FAULTS: _drop, ...env } = process.env;
    proc = startProcess(process.execPath, startScriptArgs(root), {
      cwd: root,
      env: { ...env, PORT: '0', HOST: '127.0.0.1', SIMULATE_EVERY_MS: '0', FAULTS: 'error-burst' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    url = await waitFor('the coordinator to listen', () => {
      if (proc.child.exitCode !== null) throw new Error(`coordinator exited with code ${proc.child.exitCode}: ${proc.output()}`);
      return /listening on (http:\/\/\S+)/.exec(proc.output())?.[1];
    }, 30_000, 50);
  });
  after(async () => {
    await proc?.stop();
  });

  // One kind per task: the route cache is keyed by kind.
  const task = async (id: string, complexity: number): Promise<Record<string, unknown>> =>
    (await fetch(`${url}/tasks`, { method: 'POST', body: JSON.stringify({ id, kind: `kind-${id}`, complexity }) })).json() as Promise<Record<string, unknown>>;

  it('error-burst (on from FAULTS): every execution fails whatever its path, and the counters say so; off, tasks succeed again', async () => {
    expect(await (await fetch(`${url}/admin/faults`)).json()).to.deep.equal({ faults: { 'error-burst': true } });
    expect(await task('a', 0.1)).to.include({ route: 'fast', path: 'planner', ok: false });
    expect(await task('b', 0.5)).to.include({ route: 'planner', path: 'planner', ok: false });
    let text = await (await fetch(`${url}/metrics`)).text();
    expect(sampleValue(text, 'coordinator_execution_tasks_total', { path: 'fast', outcome: 'failure' })).to.equal(1);
    expect(sampleValue(text, 'coordinator_execution_tasks_total', { path: 'planner', outcome: 'failure' })).to.equal(2);
    expect(sampleValue(text, 'coordinator_execution_escalation_failures_total')).to.equal(1);
    expect(sampleValue(text, 'coordinator_dispatch_dispatches_total', { route: 'planner', status: 'err' })).to.equal(2);

    expect((await fetch(`${url}/admin/faults/error-burst`, { method: 'DELETE' })).status).to.equal(200);
    expect(await task('c', 0.5)).to.include({ path: 'planner', ok: true });
    text = await (await fetch(`${url}/metrics`)).text();
    expect(sampleValue(text, 'coordinator_execution_tasks_total', { path: 'planner', outcome: 'success' })).to.equal(1);
  });

  it('the admin endpoint answers loopback clients only and knows its switches', async () => {
    expect((await fetch(`${url}/admin/faults/meltdown`, { method: 'PUT' })).status).to.equal(404);
    expect((await fetch(`${url}/admin/faults`, { method: 'POST' })).status).to.equal(405);
  });
});
