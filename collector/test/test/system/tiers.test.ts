import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import {
  AGENT_COLLECTOR_CONFIG,
  GATEWAY_COLLECTOR_CONFIG,
  collectorTelemetry,
  ensureCollector,
  ensureOtlpPython,
  startCollectors,
  startOtlpReceiver,
  startProcess,
  startPrometheus,
  waitFor,
  type OtlpReceiver,
  type PrometheusServer,
  type RunningCollector,
  type RunningProcess,
} from '@otelkit/testkit';
import { BOUNDARIES, type TierRecorded } from './tier-recorded.js';

const SERVICE_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'tier-service.ts');
const SERVICE_NAMES = ['checkout', 'cart', 'search', 'billing'];
const HOSTS = 2;
/** The agent's retries, shortened so that an outage ends in seconds (defaults 1 s / 30 s). */
const AGENT_RETRY = { OTELKIT_RETRY_INITIAL_INTERVAL: '200ms', OTELKIT_RETRY_MAX_INTERVAL: '1s' };
/** Limits under the gateway's own heap: its memory_limiter refuses everything. */
const REFUSING = { OTELKIT_COLLECTOR_LIMIT_MIB: '2', OTELKIT_COLLECTOR_SPIKE_LIMIT_MIB: '1' };
const NORMAL = { OTELKIT_COLLECTOR_LIMIT_MIB: '1024', OTELKIT_COLLECTOR_SPIKE_LIMIT_MIB: '256' };

interface Reply {
  ok: boolean;
  error?: string;
  ready?: boolean;
  recorded: TierRecorded;
  health?: { status: string };
}

/** One service process (tier-service.ts), on host `host`: it exports to that host's agent. */
class TierService {
  recorded: TierRecorded;
  readonly #proc: RunningProcess;
  #pending: ((r: Reply) => void)[] = [];

  private constructor(readonly name: string, readonly instance: string, readonly host: number, proc: RunningProcess, first: Reply) {
    this.#proc = proc;
    this.recorded = first.recorded;
    proc.child.on('message', (r: Reply) => {
      this.recorded = r.recorded;
      this.#pending.shift()?.(r);
    });
  }

  static async start(name: string, instance: string, host: number, agent: RunningCollector): Promise<TierService> {
    const proc = startProcess(process.execPath, ['--import', 'tsx', SERVICE_SCRIPT], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: {
        ...process.env,
        OTEL_SERVICE_NAME: name,
        OTEL_SERVICE_INSTANCE_ID: instance,
        OTEL_RESOURCE_ATTRIBUTES: `host.name=host-${host}`,
        OTEL_EXPORTER_OTLP_ENDPOINT: agent.otlpHttpUrl,
        OTEL_BSP_SCHEDULE_DELAY: '200',
      },
    });
    const first = await new Promise<Reply>((resolve, reject) => {
      proc.child.once('message', (r: Reply) => resolve(r));
      proc.child.once('exit', (code) => reject(new Error(`${instance} exited with ${code}: ${proc.output()}`)));
    });
    return new TierService(name, instance, host, proc, first);
  }

  async send(op: string, extra: Record<string, unknown> = {}): Promise<TierRecorded> {
    return (await this.reply(op, extra)).recorded;
  }

  async reply(op: string, extra: Record<string, unknown> = {}): Promise<Reply> {
    const reply = new Promise<Reply>((resolve) => this.#pending.push(resolve));
    this.#proc.child.send({ op, ...extra });
    const r = await reply;
    if (!r.ok) throw new Error(`${this.instance} ${op}: ${r.error}\n${this.#proc.output().slice(-3000)}`);
    return r;
  }

  alive(): boolean {
    return this.#proc.child.exitCode === null;
  }

  stop(): Promise<void> {
    return this.#proc.stop();
  }
}

describe('Collector tiers on loopback: 8 services -> 2 agents (persistent queue) -> 2 gateways -> remote write to Prometheus + traces to an OTLP backend', function () {
  let prom: PrometheusServer;
  let backend: OtlpReceiver;
  let gateways: RunningCollector[] = [];
  let agents: RunningCollector[] = [];
  let services: TierService[] = [];
  const started = Date.now();

  before(async function () {
    this.timeout(40 * 60_000);
    await ensureCollector();
    ensureOtlpPython();
    this.timeout(120_000);
    backend = await startOtlpReceiver();
    prom = await startPrometheus({ targets: [], remoteWriteReceiver: true });
    gateways = await startCollectors(HOSTS, (i) => ({
      config: GATEWAY_COLLECTOR_CONFIG,
      env: { ...NORMAL, OTELKIT_GATEWAY_NAME: `gateway-${i}`, OTELKIT_REMOTE_WRITE_URL: prom.remoteWriteUrl, OTELKIT_TRACES_BACKEND_URL: backend.url },
    }));
    // Host i's agent is pinned to gateway i: every series of a host takes one path.
    agents = await startCollectors(HOSTS, (i) => ({ config: AGENT_COLLECTOR_CONFIG, env: { ...AGENT_RETRY, OTELKIT_GATEWAY_ENDPOINT: gateways[i]!.otlpGrpcEndpoint } }));
    // Instance k of every service runs on host k-1: each job spans both hosts (and gateways); no series does.
    services = await Promise.all(
      SERVICE_NAMES.flatMap((name) => Array.from({ length: HOSTS }, (_, h) => TierService.start(name, `${name}-${h + 1}`, h, agents[h]!))),
    );
  });
  after(async function () {
    this.timeout(60_000);
    await Promise.all(services.map((s) => s.stop()));
    await Promise.all([...agents, ...gateways].map((c) => c.stop()));
    await prom?.stop();
    await backend?.stop();
    console.log(`      (tiers suite: ${((Date.now() - started) / 1000).toFixed(1)} s wall)`);
  });

  const all = (op: string, extra: Record<string, unknown> = {}): Promise<TierRecorded[]> =>
    Promise.all(services.filter((s) => s.alive()).map((s) => s.send(op, extra)));
  const sumOf = (f: (r: TierRecorded) => number): number => services.reduce((n, s) => n + f(s.recorded), 0);
  const jobsOf = (r: TierRecorded): number => Object.values(r.jobs).reduce((a, b) => a + b, 0);

  /** Per series, what Prometheus holds, keyed `instance queue` (or `instance`). */
  const byKey = async (expr: string, key: (m: Record<string, string>) => string): Promise<Map<string, number>> =>
    new Map((await prom.query(expr)).map((r) => [key(r.metric), Number(r.value[1])]));

  /** The first difference between what the services recorded and what Prometheus holds, or undefined. */
  const mismatch = async (): Promise<string | undefined> => {
    const done = await byKey('jobs_done_total', (m) => `${m.job}/${m.instance} ${m.queue}`);
    const count = await byKey('job_duration_seconds_count', (m) => `${m.job}/${m.instance} ${m.queue}`);
    const sum = await byKey('sum by (job, instance) (job_duration_seconds_sum)', (m) => `${m.job}/${m.instance}`);
    const expectedSeries = services.reduce((n, s) => n + Object.keys(s.recorded.jobs).length, 0);
    if (done.size !== expectedSeries) return `jobs_done_total has ${done.size} series, expected ${expectedSeries}`;
    for (const s of services) {
      for (const [queue, n] of Object.entries(s.recorded.jobs)) {
        const k = `${s.name}/${s.instance} ${queue}`;
        if (done.get(k) !== n) return `jobs_done_total{${k}} = ${done.get(k)}, recorded ${n}`;
        if (count.get(k) !== n) return `job_duration_seconds_count{${k}} = ${count.get(k)}, recorded ${n}`;
      }
      const k = `${s.name}/${s.instance}`;
      if (sum.get(k) !== s.recorded.durationSum) return `job_duration_seconds_sum{${k}} = ${sum.get(k)}, recorded ${s.recorded.durationSum}`;
    }
    const fleet = await prom.query('sum(jobs_done_total)');
    if (Number(fleet[0]?.value[1]) !== sumOf(jobsOf)) return `sum(jobs_done_total) = ${fleet[0]?.value[1]}, recorded ${sumOf(jobsOf)}`;
    return undefined;
  };
  const totalsExact = async (what: string, timeoutMs = 45_000): Promise<void> => {
    let last: string | undefined;
    await waitFor(what, async () => (last = await mismatch()) === undefined, timeoutMs, 500).catch((e: Error) => {
      throw new Error(`${e.message}; last difference: ${last}`);
    });
  };

  /** span id -> how many times the trace backend received it, and the gateway that forwarded it. */
  const receivedSpans = async (): Promise<Map<string, { count: number; gateway: string; instance: string }>> => {
    const out = new Map<string, { count: number; gateway: string; instance: string }>();
    for (const req of await backend.requests()) {
      for (const rs of req.body?.resource_spans ?? []) {
        const attr = (k: string): string => rs.resource?.attributes?.find((a: any) => a.key === k)?.value?.string_value ?? '';
        for (const ss of rs.scope_spans ?? []) {
          for (const span of ss.spans ?? []) {
            const prev = out.get(span.span_id);
            out.set(span.span_id, { count: (prev?.count ?? 0) + 1, gateway: attr('otelkit.gateway'), instance: attr('service.instance.id') });
          }
        }
      }
    }
    return out;
  };
  const missingSpans = async (): Promise<string[]> => {
    const got = await receivedSpans();
    return services.flatMap((s) => s.recorded.spans.filter((sp) => !got.has(sp.spanId)).map((sp) => `${s.instance}:${sp.spanId}`));
  };
  const everySpanArrives = async (what: string, timeoutMs = 45_000): Promise<void> => {
    let missing: string[] = [];
    await waitFor(what, async () => (missing = await missingSpans()).length === 0, timeoutMs, 500).catch((e: Error) => {
      throw new Error(`${e.message}; ${missing.length} missing, e.g. ${missing.slice(0, 3).join(', ')}`);
    });
  };
  const queued = (agent: RunningCollector): Promise<number> => collectorTelemetry(agent, 'otelcol_exporter_queue_size');

  it('every service process, its agent and its gateway run; the services record jobs in sampled spans', async function () {
    this.timeout(30_000);
    expect(services).to.have.length(8);
    await all('record', { n: 40 });
    await all('flush');
    expect(sumOf(jobsOf)).to.equal(8 * 40);
    expect(sumOf((r) => r.spans.length)).to.equal(8 * 40);
  });

  it('totals in Prometheus (remote write through the gateways) equal what each service recorded, per series and for the fleet', async function () {
    this.timeout(60_000);
    await totalsExact('the totals of the 8 services in Prometheus');
  });

  it('no series is split across gateways: each instance has one target_info, stamped by the gateway its agent is pinned to', async function () {
    this.timeout(20_000);
    const info = await prom.query('target_info');
    const seen = new Map<string, string[]>();
    for (const r of info) seen.set(`${r.metric.job}/${r.metric.instance}`, [...(seen.get(`${r.metric.job}/${r.metric.instance}`) ?? []), r.metric.otelkit_gateway ?? '']);
    expect(seen.size).to.equal(8);
    for (const s of services) {
      expect(seen.get(`${s.name}/${s.instance}`), s.instance).to.deep.equal([`gateway-${s.host}`]);
      expect(info.find((r) => r.metric.instance === s.instance)!.metric.host_name).to.equal(`host-${s.host}`);
    }
    // Each job's series arrive through both gateways (one instance per host), each series through one.
    for (const name of SERVICE_NAMES) {
      expect([...seen.entries()].filter(([k]) => k.startsWith(`${name}/`)).map(([, g]) => g[0]).sort()).to.deep.equal(['gateway-0', 'gateway-1']);
    }
    // And the gateways' own counters: each forwarded points, none failed.
    for (const g of gateways) {
      expect(await collectorTelemetry(g, 'otelcol_exporter_sent_metric_points', { exporter: 'prometheus_remote_write' })).to.be.greaterThan(0);
      expect(await collectorTelemetry(g, 'otelcol_exporter_send_failed_metric_points')).to.equal(0);
    }
  });

  it('exemplars arrive through remote write with the trace and span ids of the spans that recorded them', async function () {
    this.timeout(30_000);
    const spanOf = new Map(services.flatMap((s) => s.recorded.spans.map((sp) => [sp.spanId, { ...sp, instance: s.instance }] as const)));
    const series = await waitFor('exemplars of all 8 instances in Prometheus', async () => {
      const r = await prom.queryExemplars('job_duration_seconds_bucket');
      return new Set(r.map((s) => s.seriesLabels.instance)).size === 8 ? r : undefined;
    }, 20_000, 500);
    let checked = 0;
    for (const s of series) {
      const le = s.seriesLabels.le === '+Inf' ? Infinity : Number(s.seriesLabels.le);
      const below = [-Infinity, ...BOUNDARIES].filter((b) => b < le).pop()!;
      for (const e of s.exemplars) {
        const span = spanOf.get(e.labels.span_id!);
        expect(span, `exemplar span ${e.labels.span_id} on ${JSON.stringify(s.seriesLabels)}`).to.not.equal(undefined);
        expect(e.labels.trace_id).to.equal(span!.traceId);
        expect(span!.instance).to.equal(s.seriesLabels.instance);
        expect(Number(e.value)).to.equal(span!.value);
        expect(Number(e.value)).to.be.greaterThan(below).and.at.most(le);
        checked++;
      }
    }
    expect(checked).to.be.greaterThan(8);
  });

  it('every span reaches the trace backend, through the gateway of its host', async function () {
    this.timeout(60_000);
    await everySpanArrives('the 320 spans at the trace backend');
    const got = await receivedSpans();
    for (const s of services) for (const sp of s.recorded.spans) expect(got.get(sp.spanId)).to.deep.include({ gateway: `gateway-${s.host}`, instance: s.instance });
  });

  it('Prometheus restarted mid-run: the gateways push back, the agents queue, and the totals are intact afterwards', async function () {
    this.timeout(90_000);
    // What Prometheus holds before the outage, read back at the same instant after the restart: the
    // samples written before it survive (WAL replay), not only the totals sent later. Settled first
    // (every recorded job in Prometheus), so no sample older than the instant is still on its way.
    await totalsExact('the totals before the Prometheus restart');
    const instant = String(Date.now() / 1000);
    const atInstant = async (): Promise<string> =>
      JSON.stringify((await prom.api<{ result: { metric: Record<string, string>; value: [number, string] }[] }>('query', { query: 'sum by (instance) (jobs_done_total)', time: instant })).result.map((r) => [r.metric.instance, r.value[1]]).sort());
    const beforeRestart = await atInstant();
    expect(JSON.parse(beforeRestart)).to.have.length(8);
    await all('run', { everyMs: 50 });
    await new Promise((r) => setTimeout(r, 1000));
    await prom.pause();
    // Remote write fails, the gateway answers the agent UNAVAILABLE after its bounded retries, and
    // the agent's queue holds what keeps arriving.
    await waitFor('both agents to queue during the outage', async () => (await queued(agents[0]!)) > 0 && (await queued(agents[1]!)) > 0, 30_000, 250);
    await prom.start();
    expect(await atInstant(), 'the samples from before the restart').to.equal(beforeRestart);
    await all('pause');
    await all('flush');
    await totalsExact('the totals after the Prometheus restart');
    await everySpanArrives('every span after the Prometheus restart');
    for (const a of agents) expect(await collectorTelemetry(a, 'otelcol_exporter_enqueue_failed_metric_points')).to.equal(0);
  });

  it('a slow gateway (memory_limiter refusing): back-pressure to its agent, nothing crashes, the totals are intact afterwards', async function () {
    this.timeout(90_000);
    const slow = gateways[1]!;
    const agent = agents[1]!;
    await slow.start(REFUSING);
    await all('run', { everyMs: 50 });
    await waitFor('the gateway to refuse', async () => (await collectorTelemetry(slow, 'otelcol_receiver_refused_metric_points')) > 0, 20_000, 250);
    const backlog = await waitFor('its agent to queue', async () => {
      const n = await queued(agent);
      return n > 1 ? n : undefined;
    }, 20_000, 250);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await queued(agent), 'the backlog grows while the gateway refuses').to.be.at.least(backlog);
    // Nothing crashed, nothing was dropped: the refusing gateway and its agent are up, and the agent
    // kept accepting the services' requests (its queue took them).
    expect(slow.process().child.exitCode).to.equal(null);
    expect(agent.process().child.exitCode).to.equal(null);
    expect((await fetch(slow.healthUrl)).status).to.equal(200);
    expect(await collectorTelemetry(agent, 'otelcol_receiver_refused_metric_points')).to.equal(0);
    expect(await collectorTelemetry(agent, 'otelcol_exporter_enqueue_failed_metric_points')).to.equal(0);
    expect(await collectorTelemetry(agent, 'otelcol_exporter_enqueue_failed_spans')).to.equal(0);
    // The services never notice: their agent took every export (health() ok everywhere).
    for (const s of services) expect((await s.reply('health')).health?.status, s.instance).to.equal('ok');
    // The other host's path is untouched meanwhile.
    expect(await queued(agents[0]!)).to.be.lessThan(backlog + 50);
    await slow.start(NORMAL);
    await all('pause');
    await all('flush');
    await totalsExact('the totals after the slow gateway recovered');
    await everySpanArrives('every span after the slow gateway recovered');
    await waitFor('the backlog to drain', async () => (await queued(agent)) === 0, 20_000, 250);
  });

  it('a gateway killed mid-run (SIGKILL), then its agent restarted before the gateway returns: the persistent queue delivers everything, nothing lost', async function () {
    this.timeout(120_000);
    const [gateway, agent] = [gateways[0]!, agents[0]!];
    await all('run', { everyMs: 50 });
    await new Promise((r) => setTimeout(r, 500));
    const before = new Set((await receivedSpans()).keys());
    await gateway.kill();
    await waitFor('the agent to queue behind the dead gateway', async () => (await queued(agent)) > 3, 20_000, 250);
    // The services finish and shut down (final export) while the gateway is dead: from here on the
    // only copy of host 0's last points and spans is the agent's queue...
    await all('pause');
    await all('shutdown');
    const lost = services.filter((s) => s.host === 0).flatMap((s) => s.recorded.spans.filter((sp) => !before.has(sp.spanId)));
    expect(lost.length, 'spans recorded on host 0 since the kill').to.be.greaterThan(10);
    // ...and the agent restarts (SIGTERM, then a new process on the same storage directory).
    await agent.pause();
    expect(existsSync(agent.storageDir) && readdirSync(agent.storageDir).length).to.be.greaterThan(0);
    await agent.start();
    // Host 1's path is whole: its spans all arrive; host 0's cannot while its gateway is dead.
    let stillMissing: string[] = [];
    await waitFor('every span of host 1', async () => (stillMissing = await missingSpans()).every((id) => id.includes('-1:')), 30_000, 250);
    expect(stillMissing.length, 'spans of host 0 cannot arrive while its gateway is dead').to.be.greaterThan(10);
    await gateway.start();
    await totalsExact('the totals after the gateway and the agent restarted');
    await everySpanArrives('every span after the gateway and the agent restarted');
    const got = await receivedSpans();
    const duplicates = [...got.values()].filter((v) => v.count > 1).length;
    // At least once: a request the gateway forwarded just before it was killed is sent again.
    expect(duplicates, 'spans received twice').to.be.at.most(lost.length);
    await waitFor('the agent queue to drain', async () => (await queued(agent)) === 0, 10_000, 250);
  });
});
