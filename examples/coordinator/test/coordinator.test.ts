import { parseOpenMetricsStrict, promtoolCheckMetrics, startProcess, waitFor, type RunningProcess, sampleValue as valueOf, startScriptArgs } from '@otelkit/testkit';
import { expect } from 'chai';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));



/** The test workload; the expected figures below are worked out by hand from it (see the README). */
const TASKS = [
  { id: 't1', kind: 'lookup', complexity: 0.1 },
  { id: 't2', kind: 'lookup', complexity: 0.1 },
  { id: 't3', kind: 'lookup', complexity: 0.1, failOn: ['fast'] },
  { id: 't4', kind: 'lookup', complexity: 0.1, failOn: ['fast', 'planner'] },
  { id: 't5', kind: 'summarize', complexity: 0.5 },
  { id: 't6', kind: 'plan-trip', complexity: 0.9 },
  { id: 't7', kind: 'novel-graph', complexity: 0.8 },
  { id: 't8', kind: 'plan-trip', complexity: 0.9, failOn: ['hgnn'] },
  { id: 't6', kind: 'plan-trip', complexity: 0.9 },
  { id: 't10', kind: 'unroutable-zone', complexity: 0.2 },
  { id: 't11', kind: 'poison-pill', complexity: 0.5, failOn: ['planner'] },
];

describe('example: coordinator', function () {
  this.timeout(60_000);
  let proc: RunningProcess;
  let url = '';

  before(async () => {
    proc = startProcess(process.execPath, startScriptArgs(root), {
      cwd: root,
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', SIMULATE_EVERY_MS: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    url = await waitFor(
      'the coordinator to listen',
      () => {
        if (proc.child.exitCode !== null) throw new Error(`coordinator exited with code ${proc.child.exitCode}: ${proc.output()}`);
        return /listening on (http:\/\/\S+)/.exec(proc.output())?.[1];
      },
      30_000,
      50,
    );
  });
  after(async () => {
    await proc?.stop();
  });

  const post = async (path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
    const res = await fetch(`${url}${path}`, { method: 'POST', body: JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  it('routes and executes tasks; /metrics shows the exact counts per route, path, outcome and status', async () => {
    const results = [];
    for (const t of TASKS) {
      const r = await post('/tasks', t);
      expect(r.status, JSON.stringify(r.json)).to.equal(200);
      results.push(r.json);
    }
    expect(results.map((r) => `${r.route}>${r.path}:${r.ok}`)).to.deep.equal([
      'fast>fast:true', 'fast>fast:true', 'fast>planner:true', 'fast>planner:false', 'planner>planner:true', 'hgnn>hgnn:true',
      'hgnn>planner:true', 'hgnn>hgnn:false', 'hgnn>hgnn:true', 'fast>fast:true', 'planner>planner:false',
    ]);
    expect((await post('/tasks/bulk-resolve', { tasks: [{ id: 'a', kind: 'k1', complexity: 0.1 }, { id: 'b', kind: 'unroutable-1', complexity: 0.1 }, { id: 'c', kind: 'k2', complexity: 0.9 }] })).json).to.deep.equal({ resolved: 2, failed: 1 });
    expect((await post('/tasks', { id: 'bad', kind: 'x', complexity: 7 })).status).to.equal(400);

    const text = await (await fetch(`${url}/metrics`)).text();
    const v = (name: string, labels: Record<string, string> = {}) => valueOf(text, name, labels);
    expect({ fast: v('coordinator_routing_decisions_total', { route: 'fast' }), planner: v('coordinator_routing_decisions_total', { route: 'planner' }), hgnn: v('coordinator_routing_decisions_total', { route: 'hgnn' }) }).to.deep.equal({ fast: 5, planner: 2, hgnn: 4 });
    expect([v('coordinator_routing_hgnn_plans_total', { result: 'generated' }), v('coordinator_routing_hgnn_plans_total', { result: 'empty' })]).to.deep.equal([3, 1]);
    expect([v('coordinator_routing_cache_lookups_total', { result: 'hit' }), v('coordinator_routing_cache_lookups_total', { result: 'miss' })]).to.deep.equal([5, 6]);
    expect([v('coordinator_routing_remote_resolutions_total', { outcome: 'success' }), v('coordinator_routing_remote_resolutions_total', { outcome: 'failure' })]).to.deep.equal([5, 1]);
    expect(v('coordinator_routing_remote_duration_seconds_count', { outcome: 'success' })).to.equal(5);
    expect([v('coordinator_routing_bulk_resolve_items_total'), v('coordinator_routing_bulk_resolve_failed_items_total')]).to.deep.equal([3, 1]);
    const tasks = (path: string, outcome: string) => v('coordinator_execution_tasks_total', { path, outcome });
    expect([tasks('fast', 'success'), tasks('fast', 'failure'), tasks('planner', 'success'), tasks('planner', 'failure'), tasks('hgnn', 'success'), tasks('hgnn', 'failure')]).to.deep.equal([3, 2, 3, 2, 2, 1]);
    expect(v('coordinator_execution_escalation_failures_total')).to.equal(1);
    expect([v('coordinator_execution_duration_seconds_count', { path: 'fast' }), v('coordinator_execution_duration_seconds_count', { path: 'planner' }), v('coordinator_execution_duration_seconds_count', { path: 'hgnn' })]).to.deep.equal([5, 5, 3]);
    // the planner sleeps 15 ms per task: five of them. A timer may fire up to ~1 ms before
    // performance.now() says 15 ms have passed (libuv schedules from its cached loop time), so
    // the floor is 5 × 14 ms (setTimeout(15) measured 14.16 ms at least, under 15 ms in 8 of 400 tries).
    expect(v('coordinator_execution_duration_seconds_sum', { path: 'planner' })).to.be.within(0.07, 5);
    const upserts = (status: string) => v('coordinator_persistence_proto_plan_upserts_total', { status });
    expect([upserts('ok'), upserts('err'), upserts('truncated')]).to.deep.equal([5, 0, 3]);
    const enqueues = (status: string) => v('coordinator_persistence_outbox_enqueues_total', { status });
    expect([enqueues('ok'), enqueues('dup'), enqueues('err')]).to.deep.equal([9, 1, 1]);
    expect([v('coordinator_persistence_duration_seconds_count', { operation: 'proto_plan_upsert' }), v('coordinator_persistence_duration_seconds_count', { operation: 'outbox_enqueue' })]).to.deep.equal([8, 11]);
    const dispatches = (route: string, status: string) => v('coordinator_dispatch_dispatches_total', { route, status });
    expect([dispatches('planner', 'ok'), dispatches('planner', 'err'), dispatches('hgnn', 'ok'), dispatches('hgnn', 'err')]).to.deep.equal([3, 2, 2, 1]);
    expect(v('coordinator_route_and_execute_duration_seconds_count')).to.equal(11);
    expect(v('coordinator_route_and_execute_duration_seconds_bucket', { le: '+Inf' })).to.equal(11);

    // the exposition is valid for promtool (text 0.0.4) and the strict OpenMetrics parser
    const check = promtoolCheckMetrics(text);
    expect(check.status, check.output).to.equal(0);
    const om = await fetch(`${url}/metrics`, { headers: { accept: 'application/openmetrics-text;version=1.0.0' } });
    expect(om.headers.get('content-type')).to.contain('application/openmetrics-text');
    const families = parseOpenMetricsStrict(await om.text());
    const decisions = families.find((f) => f.name === 'coordinator_routing_decisions')!;
    expect(decisions.type).to.equal('counter');
    expect(decisions.samples.filter((x) => x.name === 'coordinator_routing_decisions_total').map((x) => [x.labels.route, x.value])).to.deep.equal([
      ['fast', 5],
      ['planner', 2],
      ['hgnn', 4],
    ]);
    expect(families.find((f) => f.name === 'coordinator_execution_duration_seconds')!.unit).to.equal('seconds');
  });

  it('/snapshot: success rate, routing ratios, plan success rate and latency figures from the same data', async () => {
    const s = (await (await fetch(`${url}/snapshot`)).json()) as {
      uptimeSeconds: number;
      coordinator: Record<string, unknown>;
      counters: Record<string, { total: number }>;
      histograms: Record<string, { count: number; min: number; max: number; p50: number; p99: number }>;
    };
    expect(s.coordinator).to.deep.equal({
      tasks: 13,
      successRate: 8 / 13,
      decisions: 11,
      routingRatios: { fast: 5 / 11, planner: 2 / 11, hgnn: 4 / 11, other: 0 },
      planSuccessRate: 0.75,
      cacheHitRate: 5 / 11,
    });
    expect(s.counters['coordinator.persistence.outbox.enqueues']!.total).to.equal(11);
    const e2e = s.histograms['coordinator.route_and_execute.duration']!;
    expect(e2e.count).to.equal(11);
    expect(e2e.min).to.be.above(0);
    expect(e2e.p50).to.be.within(e2e.min, e2e.max);
    expect(e2e.p99).to.be.within(e2e.p50, e2e.max);
    expect(s.uptimeSeconds).to.be.above(0);
  });
});
