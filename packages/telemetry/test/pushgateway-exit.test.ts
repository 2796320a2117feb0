import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { freePort, startOtlpReceiver, startPushgateway, type DecodedRequest, type OtlpReceiver, type PushgatewayServer } from '@otelkit/testkit';

const FIXTURE = fileURLToPath(new URL('./fixtures/pushgateway-job.mjs', import.meta.url));

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  /** From spawn (or from the kill, when one was sent) to the exit. */
  ms: number;
}

interface RunOptions {
  env: Record<string, string>;
  /** Sent once the job printed `killOn` (default "ready"). */
  kill?: NodeJS.Signals;
  killOn?: string;
  /** Called once the job is spawned; lets a test watch the gateway while the job runs and stop it. */
  onSpawn?: (child: ChildProcess) => void;
  limitMs?: number;
}

function runJob(o: RunOptions): Promise<Ended> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [FIXTURE], {
      env: { PATH: process.env.PATH ?? '', ...o.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    o.onSpawn?.(child);
    let started = Date.now();
    let output = '';
    let killed = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`job did not end within ${o.limitMs ?? 30_000} ms:\n${output}`));
    }, o.limitMs ?? 30_000);
    child.stdout.on('data', (b: Buffer) => {
      output += b.toString();
      if (o.kill && !killed && output.includes(o.killOn ?? 'ready')) {
        killed = true;
        started = Date.now();
        child.kill(o.kill);
      }
    });
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output, ms: Date.now() - started });
    });
  });
}

/** One group of the gateway's `/api/v1/metrics` answer. */
interface Group {
  labels: Record<string, string>;
  last_push_successful: boolean;
  [family: string]: unknown;
}
interface Family {
  type: string;
  metrics: { labels: Record<string, string>; value?: string; buckets?: Record<string, string>; sum?: string; count?: string }[];
}

async function groups(gw: PushgatewayServer): Promise<Group[]> {
  const res = await fetch(`${gw.url}/api/v1/metrics`);
  const body = (await res.json()) as { status: string; data: Group[] };
  expect(body.status).to.equal('success');
  return body.data;
}

async function group(gw: PushgatewayServer, job: string): Promise<Group | undefined> {
  return (await groups(gw)).find((g) => g.labels.job === job);
}

function family(g: Group, name: string): Family {
  const f = g[name] as Family | undefined;
  expect(f, `family ${name} on the gateway`).to.not.equal(undefined);
  return f!;
}

/** The value of the one series of `name` whose labels include `labels`. */
function gwValue(g: Group, name: string, labels: Record<string, string> = {}): number {
  const ms = family(g, name).metrics.filter((m) => Object.entries(labels).every(([k, v]) => m.labels[k] === v));
  expect(ms, `${name}${JSON.stringify(labels)}`).to.have.length(1);
  return Number(ms[0]!.value);
}

/** The gateway's own request counters (`pushgateway_http_requests_total`) by handler and method. */
async function gatewayRequests(gw: PushgatewayServer): Promise<{ put: number; post: number; delete: number }> {
  const text = await gw.metrics();
  const count = (handler: string, method: string): number => {
    let n = 0;
    const re = new RegExp(`^pushgateway_http_requests_total\\{code="\\d+",handler="${handler}",method="${method}"\\} (\\S+)$`, 'gm');
    for (const m of text.matchAll(re)) n += Number(m[1]);
    return n;
  };
  return { put: count('push', 'put'), post: count('push', 'post'), delete: count('delete', 'delete') };
}

/** What the fixture records, as the gateway shows it. */
function expectJobValues(g: Group, job: string): void {
  expect(g.labels).to.deep.equal({ job, instance: 'venue-7', source: 'venues/eu' });
  expect(g.last_push_successful).to.equal(true);
  expect(gwValue(g, 'venue_items_total', { step: 'parse' })).to.equal(42);
  expect(gwValue(g, 'venue_items_total', { step: 'fetch' })).to.equal(7);
  expect(family(g, 'venue_items_total').metrics[0]!.labels).to.include({ job, instance: 'venue-7', source: 'venues/eu', otel_scope_name: 'venue-scraper', otel_scope_version: '1.2.0' });
  const h = family(g, 'venue_fetch_duration_seconds');
  expect(h.type).to.equal('HISTOGRAM');
  expect(h.metrics).to.have.length(1);
  expect(h.metrics[0]!.labels.venue).to.equal('Le Bar "Ouvert"');
  expect(h.metrics[0]!.buckets).to.deep.equal({ '0.1': '1', '1': '2', '10': '3', '+Inf': '4' });
  expect(Number(h.metrics[0]!.sum)).to.be.closeTo(22.55, 1e-9);
  expect(Number(h.metrics[0]!.count)).to.equal(4);
  expect(gwValue(g, 'venue_queue_size')).to.equal(13);
  expect(gwValue(g, 'venue_inflight')).to.equal(3);
  expect(gwValue(g, 'venue_pages_total', { kind: 'listing' })).to.equal(99);
  expect(gwValue(g, 'target_info', { service_name: 'venue-scraper' })).to.equal(1);
}

interface OtlpPoint {
  name: string;
  attributes: Record<string, string>;
  value?: number;
  bucketCounts?: number[];
  sum?: number;
  count?: number;
}

function otlpPoints(req: DecodedRequest): OtlpPoint[] {
  const out: OtlpPoint[] = [];
  for (const rm of req.body?.resource_metrics ?? []) {
    for (const sm of rm.scope_metrics ?? []) {
      for (const m of sm.metrics ?? []) {
        const data = m.sum ?? m.gauge ?? m.histogram;
        for (const dp of data?.data_points ?? []) {
          const attributes: Record<string, string> = {};
          for (const a of dp.attributes ?? []) attributes[a.key] = String(a.value.string_value ?? a.value.int_value ?? a.value.bool_value);
          out.push(
            m.histogram
              ? { name: m.name, attributes, bucketCounts: dp.bucket_counts.map(Number), sum: dp.sum, count: Number(dp.count) }
              : { name: m.name, attributes, value: Number(dp.as_int ?? dp.as_double) },
          );
        }
      }
    }
  }
  return out;
}

/** Exactly one metrics export reached the receiver, with the values the fixture recorded. */
async function expectOneOtlpExport(receiver: OtlpReceiver): Promise<void> {
  const reqs = (await receiver.requests()).filter((r) => r.path === '/v1/metrics');
  expect(reqs, 'OTLP metrics requests').to.have.length(1);
  expect(reqs[0]!.status).to.equal(200);
  const res = reqs[0]!.body!.resource_metrics[0].resource.attributes as { key: string; value: { string_value?: string } }[];
  expect(res.find((a) => a.key === 'service.name')?.value.string_value).to.equal('venue-scraper');
  const points = otlpPoints(reqs[0]!);
  const one = (name: string, attrs: Record<string, string> = {}): OtlpPoint => {
    const ps = points.filter((p) => p.name === name && JSON.stringify(p.attributes) === JSON.stringify(attrs));
    expect(ps, `${name}${JSON.stringify(attrs)} over OTLP`).to.have.length(1);
    return ps[0]!;
  };
  expect(one('venue.items', { step: 'parse' }).value).to.equal(42);
  expect(one('venue.items', { step: 'fetch' }).value).to.equal(7);
  const h = one('venue.fetch.duration', { venue: 'Le Bar "Ouvert"' });
  expect(h.bucketCounts).to.deep.equal([1, 1, 1, 1]);
  expect(h.sum).to.be.closeTo(22.55, 1e-9);
  expect(h.count).to.equal(4);
  expect(one('venue.queue.size').value).to.equal(13);
  expect(one('venue.inflight').value).to.equal(3);
  expect(one('venue.pages', { kind: 'listing' }).value).to.equal(99);
}

/** A TCP server that accepts connections and never answers: a gateway that hangs. */
async function startBlackHole(): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

describe('Pushgateway: every exit path of a short-lived job pushes its metrics (real Pushgateway + OTLP receiver)', function () {
  this.timeout(90_000);
  let gw: PushgatewayServer;
  let receiver: OtlpReceiver;
  let blackHole: Awaited<ReturnType<typeof startBlackHole>>;
  before(async () => {
    [gw, receiver, blackHole] = await Promise.all([startPushgateway(), startOtlpReceiver(), startBlackHole()]);
  });
  after(async () => {
    await Promise.all([gw?.stop(), receiver?.stop(), blackHole?.close()]);
  });
  beforeEach(async () => receiver.reset());

  const jobEnv = (job: string, extra: Record<string, string> = {}): Record<string, string> => ({
    PUSHGATEWAY_URL: gw.url,
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    JOB: job,
    ...extra,
  });

  const paths: { what: string; mode: string; exitCode?: number; kill?: NodeJS.Signals; expect: { code: number | null; signal: NodeJS.Signals | null } }[] = [
    { what: 'natural end with process.exitCode = 3', mode: 'natural', exitCode: 3, expect: { code: 3, signal: null } },
    { what: 'natural end with exit code 0', mode: 'natural', exitCode: 0, expect: { code: 0, signal: null } },
    { what: 'process.exit(4)', mode: 'exit', exitCode: 4, expect: { code: 4, signal: null } },
    { what: 'SIGTERM', mode: 'signal', kill: 'SIGTERM', expect: { code: null, signal: 'SIGTERM' } },
    { what: 'SIGINT', mode: 'signal', kill: 'SIGINT', expect: { code: null, signal: 'SIGINT' } },
    { what: 'an uncaught exception', mode: 'throw', expect: { code: 1, signal: null } },
    { what: 'an unhandled rejection', mode: 'reject', expect: { code: 1, signal: null } },
  ];
  for (const p of paths) {
    it(`${p.what}: exit status kept, one PUT with the exact values and grouping labels, one OTLP export`, async () => {
      const job = `venue-scraper-${p.mode}-${p.exitCode ?? p.kill ?? 'x'}`.toLowerCase();
      const before = await gatewayRequests(gw);
      const ended = await runJob({ env: jobEnv(job, { MODE: p.mode, EXIT_CODE: String(p.exitCode ?? 0) }), kill: p.kill });
      expect({ code: ended.code, signal: ended.signal }, ended.output).to.deep.equal(p.expect);
      if (p.mode === 'throw') expect(ended.output).to.contain('Error: job failed');
      if (p.mode === 'reject') expect(ended.output).to.contain('job rejected');
      const after = await gatewayRequests(gw);
      expect(after.put - before.put, 'PUT requests').to.equal(1);
      expect(after.delete - before.delete, 'DELETE requests').to.equal(0);
      const g = await group(gw, job);
      expect(g, `group of ${job}`).to.not.equal(undefined);
      expectJobValues(g!, job);
      await expectOneOtlpExport(receiver);
    });
  }

  it('the async final push is reflected in health().pushgateway (one push, no failure)', async () => {
    const ended = await runJob({ env: jobEnv('venue-health', { MODE: 'natural', EXIT_CODE: '0' }) });
    const health = JSON.parse(/HEALTH (.*)/.exec(ended.output)![1]!);
    expect(health).to.include({ pushes: 1, failures: 0, deletes: 0 });
  });

  describe('deleteOnSuccess', () => {
    const dos = (job: string, extra: Record<string, string>): Record<string, string> => jobEnv(job, { DELETE_ON_SUCCESS: '1', ...extra });

    it('a failing run leaves its metrics; the next, succeeding run (natural end, code 0) deletes the group', async () => {
      const job = 'venue-dos-natural';
      const failed = await runJob({ env: dos(job, { MODE: 'natural', EXIT_CODE: '2' }) });
      expect(failed.code, failed.output).to.equal(2);
      expectJobValues((await group(gw, job))!, job);
      const before = await gatewayRequests(gw);
      const ok = await runJob({ env: dos(job, { MODE: 'natural', EXIT_CODE: '0' }) });
      expect(ok.code, ok.output).to.equal(0);
      const after = await gatewayRequests(gw);
      expect(await group(gw, job)).to.equal(undefined);
      expect(after.delete - before.delete, 'DELETE requests').to.equal(1);
      expect(after.put - before.put, 'PUT requests').to.equal(0);
      expect(JSON.parse(/HEALTH (.*)/.exec(ok.output)![1]!)).to.include({ deletes: 1, pushes: 0, failures: 0 });
    });

    it('process.exit(0) is a success too (synchronous DELETE); uncaught exception and process.exit(5) keep the metrics', async () => {
      const job = 'venue-dos-sync';
      const thrown = await runJob({ env: dos(job, { MODE: 'throw' }) });
      expect(thrown.code, thrown.output).to.equal(1);
      expectJobValues((await group(gw, job))!, job);
      const ok = await runJob({ env: dos(job, { MODE: 'exit', EXIT_CODE: '0' }) });
      expect(ok.code, ok.output).to.equal(0);
      expect(await group(gw, job)).to.equal(undefined);
      const five = await runJob({ env: dos(job, { MODE: 'exit', EXIT_CODE: '5' }) });
      expect(five.code, five.output).to.equal(5);
      expectJobValues((await group(gw, job))!, job);
    });

    it('a job stopped by SIGTERM did not succeed: its metrics stay on the gateway', async () => {
      const job = 'venue-dos-sigterm';
      const ended = await runJob({ env: dos(job, { MODE: 'signal' }), kill: 'SIGTERM' });
      expect(ended.signal, ended.output).to.equal('SIGTERM');
      expectJobValues((await group(gw, job))!, job);
    });
  });

  describe('method', () => {
    const seed = async (job: string): Promise<void> => {
      // Another metric already in the group, as an earlier push of another step of the job would leave it.
      const res = await fetch(`${gw.url}/metrics/job/${job}/instance/venue-7/source@base64/${Buffer.from('venues/eu').toString('base64url')}`, {
        method: 'PUT',
        body: '# TYPE earlier_step_items_total counter\nearlier_step_items_total 5\n',
      });
      expect(res.status).to.equal(200);
    };

    it('PUT (default) replaces the whole group', async () => {
      const job = 'venue-method-put';
      await seed(job);
      const ended = await runJob({ env: jobEnv(job, { MODE: 'natural' }) });
      expect(ended.code, ended.output).to.equal(0);
      const g = (await group(gw, job))!;
      expectJobValues(g, job);
      expect(g.earlier_step_items_total).to.equal(undefined);
    });

    it('POST replaces only the metrics it sends: the earlier metric of the group stays', async () => {
      const job = 'venue-method-post';
      await seed(job);
      const before = await gatewayRequests(gw);
      const ended = await runJob({ env: jobEnv(job, { MODE: 'natural', METHOD: 'POST' }) });
      expect(ended.code, ended.output).to.equal(0);
      const after = await gatewayRequests(gw);
      expect(after.post - before.post).to.equal(1);
      const g = (await group(gw, job))!;
      expectJobValues(g, job);
      expect(gwValue(g, 'earlier_step_items_total')).to.equal(5);
    });
  });

  it('intervalMs: pushes are on the gateway while the job runs, and the last push has the final value', async () => {
    const job = 'venue-periodic';
    const seen: number[] = [];
    let watching: Promise<void> | undefined;
    const ended = await runJob({
      env: jobEnv(job, { MODE: 'periodic', INTERVAL_MS: '200', TICKS: '30' }),
      limitMs: 40_000,
      onSpawn: (child) => {
        watching = (async () => {
          // Watches the gateway while the job runs; stops it once a periodic push carried all 30 ticks.
          while (child.exitCode === null && child.signalCode === null) {
            const f = (await group(gw, job))?.venue_ticks_total as Family | undefined;
            if (f !== undefined && child.exitCode === null) {
              const v = Number(f.metrics[0]!.value);
              if (seen[seen.length - 1] !== v) seen.push(v);
              if (v === 30) {
                child.kill('SIGTERM');
                return;
              }
            }
            await new Promise((r) => setTimeout(r, 50));
          }
        })();
      },
    });
    await watching;
    expect(ended.signal, ended.output).to.equal('SIGTERM');
    // Several distinct values while the job was running: periodic pushes, not only the last one.
    expect(seen.filter((v) => v > 0 && v < 30).length, `values seen: ${seen.join(',')}`).to.be.greaterThan(1);
    expect(seen, 'values only grow').to.deep.equal([...seen].sort((a, b) => a - b));
    expect(seen[seen.length - 1]).to.equal(30);
    const g = (await group(gw, job))!;
    expect(gwValue(g, 'venue_ticks_total')).to.equal(30);
    expectJobValues(g, job);
  });

  describe('a gateway that is down: the job still exits promptly with its own status', () => {
    // The per-push time-out (15 s) is longer than the shutdown budget (1 s): the budget must win.
    const SHUTDOWN_MS = 1000;
    // Generous for a loaded 2-core machine: Node start-up, module loading and the sender child
    // process take well under a second each here; a push that waits for its own time-out takes 15 s.
    const BOUND_MS = SHUTDOWN_MS + 6000;
    const cases: { what: string; mode: string; exitCode?: number; kill?: NodeJS.Signals; expect: { code: number | null; signal: NodeJS.Signals | null } }[] = [
      { what: 'natural end (exitCode 3)', mode: 'natural', exitCode: 3, expect: { code: 3, signal: null } },
      { what: 'process.exit(4)', mode: 'exit', exitCode: 4, expect: { code: 4, signal: null } },
      { what: 'SIGTERM', mode: 'signal', kill: 'SIGTERM', expect: { code: null, signal: 'SIGTERM' } },
      { what: 'an uncaught exception', mode: 'throw', expect: { code: 1, signal: null } },
    ];
    for (const c of cases) {
      // Regression "final push not bounded by shutdownTimeoutMillis": the async paths (beforeExit,
      // signals) waited for pushgateway.timeoutMs (15 s here) instead of the 1 s budget.
      it(`hanging gateway, ${c.what}: ends within shutdownTimeoutMillis + ${BOUND_MS - SHUTDOWN_MS} ms`, async () => {
        const ended = await runJob({
          env: {
            PUSHGATEWAY_URL: blackHole.url,
            JOB: 'venue-hang',
            MODE: c.mode,
            EXIT_CODE: String(c.exitCode ?? 0),
            SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_MS),
            PG_TIMEOUT_MS: '15000',
          },
          kill: c.kill,
        });
        expect({ code: ended.code, signal: ended.signal }, ended.output).to.deep.equal(c.expect);
        expect(ended.ms, `took ${ended.ms} ms`).to.be.below(BOUND_MS);
      });
    }

    it('refused connection, natural end (exitCode 3): prompt, and the failure is in health().pushgateway', async () => {
      const ended = await runJob({ env: { PUSHGATEWAY_URL: `http://127.0.0.1:${await freePort()}`, JOB: 'venue-refused', MODE: 'natural', EXIT_CODE: '3' } });
      expect(ended.code, ended.output).to.equal(3);
      expect(ended.ms).to.be.below(BOUND_MS);
      const health = JSON.parse(/HEALTH (.*)/.exec(ended.output)![1]!);
      expect(health).to.include({ pushes: 0, failures: 1 });
      expect(health.lastError).to.match(/Pushgateway PUT http:\/\/127\.0\.0\.1:\d+\/metrics\/job\/venue-refused\/instance\/venue-7\/source@base64\/dmVudWVzL2V1 failed/);
    });
  });
});
