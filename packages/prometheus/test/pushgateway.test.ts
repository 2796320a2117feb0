import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, sumExemplars, type SumCell } from '@otelkit/metrics';
import { startPrometheus, startPushgateway, waitFor, type PushgatewayServer } from '@otelkit/testkit';
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { PushError, PushgatewayConfigError } from '../src/pushgateway-errors.js';
import { PushgatewayPusher, type PushgatewayOptions } from '../src/pushgateway.js';

interface GatewayMetric {
  labels: Record<string, string>;
  value?: string;
  buckets?: Record<string, string>;
  count?: string;
  sum?: string;
}
interface GatewayGroup {
  labels: Record<string, string>;
  families: Record<string, { type: string; metrics: GatewayMetric[] }>;
}

/** Every group the gateway holds, from its JSON API (`GET /api/v1/metrics`). */
async function groups(pg: PushgatewayServer): Promise<GatewayGroup[]> {
  const res = await fetch(`${pg.url}/api/v1/metrics`);
  const body = (await res.json()) as { data: Record<string, unknown>[] };
  return body.data.map((g) => {
    const families: GatewayGroup['families'] = {};
    for (const [k, v] of Object.entries(g)) {
      if (k === 'labels' || k === 'last_push_successful' || k === 'push_time_seconds' || k === 'push_failure_time_seconds') continue;
      families[k] = v as GatewayGroup['families'][string];
    }
    return { labels: g.labels as Record<string, string>, families };
  });
}

async function group(pg: PushgatewayServer, labels: Record<string, string>): Promise<GatewayGroup | undefined> {
  const want = JSON.stringify(Object.entries(labels).sort());
  return (await groups(pg)).find((g) => JSON.stringify(Object.entries(g.labels).sort()) === want);
}

/** The single sample of `family` in a group, by its own labels minus job/instance/scope labels. */
function sample(g: GatewayGroup | undefined, family: string, labels: Record<string, string> = {}): GatewayMetric | undefined {
  const own = (l: Record<string, string>): string =>
    JSON.stringify(Object.entries(l).filter(([k]) => !(k in (g?.labels ?? {})) && k !== 'instance' && !k.startsWith('otel_scope_')).sort());
  return g?.families[family]?.metrics.find((m) => own(m.labels) === JSON.stringify(Object.entries(labels).sort()));
}

async function rejection(p: Promise<unknown>): Promise<PushError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(PushError);
    return e as PushError;
  }
  throw new Error('expected a PushError');
}

function provider(): MeterProvider {
  return new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'pusher-test', 'deployment.environment.name': 'ci' }) });
}

describe('pushgateway (real Prometheus Pushgateway 1.5)', function () {
  this.timeout(60_000);
  let pg: PushgatewayServer;
  before(async () => {
    pg = await startPushgateway();
  });
  after(async () => {
    await pg?.stop();
  });
  const pusher = (options: Omit<PushgatewayOptions, 'url'> & { url?: string }): PushgatewayPusher => new PushgatewayPusher({ url: pg.url, ...options });

  it('lands every recorded value on the gateway as recorded, with target_info', async () => {
    const mp = provider();
    const meter = mp.getMeter('batch', '1.2.0');
    const items = meter.createCounter('batch.items', { unit: '{item}', description: 'Items processed' });
    items.bind({ outcome: 'ok' }).add(3);
    items.add(4.5, { outcome: 'ok' });
    items.add(2, { outcome: 'failed' });
    const duration = meter.createHistogram('batch.step.duration', { unit: 's', advice: { explicitBucketBoundaries: [0.1, 1, 10] } });
    for (const v of [0.05, 0.5, 0.7, 3, 30]) duration.record(v, { step: 'load' });
    meter.createGauge('batch.last_size', { unit: 'By' }).record(2048);
    meter.createUpDownCounter('batch.in_flight').add(-2);
    meter.createObservableGauge('batch.temperature').addCallback((r) => r.observe(21.5, { room: 'a' }));

    const p = pusher({ job: 'values', store: mp.store, resource: mp.resource });
    await p.push();
    const g = await group(pg, { job: 'values' });
    expect(sample(g, 'batch_items_total', { outcome: 'ok' })?.value).to.equal('7.5');
    expect(sample(g, 'batch_items_total', { outcome: 'failed' })?.value).to.equal('2');
    expect(g?.families.batch_items_total?.type).to.equal('COUNTER');
    const h = sample(g, 'batch_step_duration_seconds', { step: 'load' });
    expect(h?.buckets).to.deep.equal({ '0.1': '1', '1': '3', '10': '4', '+Inf': '5' });
    expect(h?.count).to.equal('5');
    expect(Number(h?.sum)).to.be.closeTo(34.25, 1e-9);
    expect(sample(g, 'batch_last_size_bytes')?.value).to.equal('2048');
    expect(sample(g, 'batch_in_flight')?.value).to.equal('-2');
    expect(sample(g, 'batch_temperature', { room: 'a' })?.value).to.equal('21.5');
    const info = g?.families.target_info?.metrics[0]?.labels;
    expect(info).to.include({ service_name: 'pusher-test', deployment_environment_name: 'ci' });
    expect(p.health()).to.include({ pushes: 1, failures: 0 });
    expect(p.health().lastSuccessMs).to.be.a('number');
  });

  it('PUT replaces the whole group', async () => {
    const first = provider();
    first.getMeter('m').createCounter('put.a').add(1);
    first.getMeter('m').createGauge('put.b').record(2);
    await pusher({ job: 'put', store: first.store }).push();
    expect(Object.keys((await group(pg, { job: 'put' }))!.families).sort()).to.deep.equal(['put_a_total', 'put_b']);

    const second = provider();
    second.getMeter('m').createCounter('put.c').add(5);
    await pusher({ job: 'put', store: second.store, method: 'PUT' }).push();
    const g = await group(pg, { job: 'put' });
    expect(Object.keys(g!.families)).to.deep.equal(['put_c_total']);
    expect(sample(g, 'put_c_total')?.value).to.equal('5');
  });

  it('POST replaces only the metrics it sends', async () => {
    const first = provider();
    first.getMeter('m').createCounter('post.a').add(1);
    first.getMeter('m').createGauge('post.b').record(2);
    await pusher({ job: 'post', store: first.store }).push();

    const second = provider();
    second.getMeter('m').createCounter('post.a').add(5);
    await pusher({ job: 'post', store: second.store, method: 'POST' }).push();
    const g = await group(pg, { job: 'post' });
    expect(sample(g, 'post_a_total')?.value).to.equal('5');
    expect(sample(g, 'post_b')?.value).to.equal('2');
  });

  it('DELETE removes exactly its grouping key (202 is a success)', async () => {
    const mp = provider();
    mp.getMeter('m').createCounter('del.a').add(1);
    const whole = pusher({ job: 'del', store: mp.store });
    const shard = pusher({ job: 'del', groupingLabels: { shard: '1' }, store: mp.store });
    const other = pusher({ job: 'del', groupingLabels: { shard: '2' }, store: mp.store });
    await Promise.all([whole.push(), shard.push(), other.push()]);
    await shard.delete();
    expect(await group(pg, { job: 'del', shard: '1' })).to.equal(undefined);
    expect(await group(pg, { job: 'del' })).not.to.equal(undefined);
    expect(await group(pg, { job: 'del', shard: '2' })).not.to.equal(undefined);
    expect(shard.health()).to.include({ pushes: 1, deletes: 1, failures: 0 });
  });

  it('sends "/", empty, dot and non-ASCII values through @base64 and they land unchanged', async () => {
    const mp = provider();
    mp.getMeter('m').createCounter('b64.runs').add(1);
    const labels = { path: '/var/lib/data', empty: '', dots: '..', space: 'a b/c', u: 'zürich', pad1: 'a', pad2: 'ab', plain: 'eu-1' };
    const p = pusher({ job: 'nightly/backup', groupingLabels: labels, store: mp.store });
    expect(p.url).to.contain('/job@base64/').and.to.contain('/empty@base64/=').and.to.contain('/plain/eu-1');
    await p.push();
    const g = await group(pg, { job: 'nightly/backup', ...labels });
    expect(g, JSON.stringify((await groups(pg)).map((x) => x.labels))).not.to.equal(undefined);
    expect(sample(g, 'b64_runs_total')?.value).to.equal('1');
  });

  it('regression: without @base64 the gateway answers 301 and stores nothing, and a 3xx is a failure', async () => {
    // What a client that writes an empty value raw sends: the gateway redirects and drops the push.
    const raw = await fetch(`${pg.url}/metrics/job/raw/empty//shard/1`, { method: 'PUT', body: 'raw_runs 1\n', redirect: 'manual' });
    expect(raw.status).to.equal(301);
    expect((await groups(pg)).filter((g) => g.labels.job === 'raw')).to.deep.equal([]);

    // The pusher never follows a redirect and reports it: `//` before the path makes the gateway's mux answer 301.
    const mp = provider();
    mp.getMeter('m').createCounter('redirect.runs').add(1);
    const p = pusher({ url: `${pg.url}//prefix`, job: 'redirected', store: mp.store });
    const e = await rejection(p.push());
    expect(e.status).to.equal(301);
    expect(p.health()).to.include({ pushes: 0, failures: 1 });
    expect(p.health().lastError).to.contain('answered 301').and.to.contain('/prefix/metrics/job/redirected not followed');
    expect((await groups(pg)).filter((g) => g.labels.job === 'redirected')).to.deep.equal([]);
  });

  it('reports a 400 for a TYPE that conflicts with another group, with the gateway message', async () => {
    const a = provider();
    a.getMeter('m').createGauge('conflict.latency').record(1);
    await pusher({ job: 'conflict-a', store: a.store }).push();
    const b = provider();
    b.getMeter('m').createHistogram('conflict.latency').record(1);
    const p = pusher({ job: 'conflict-b', store: b.store });
    const e = await rejection(p.push());
    expect(e.status).to.equal(400);
    expect(e.body).to.contain('inconsistent with existing metrics');
    expect(e.message).to.contain('answered 400').and.to.contain('inconsistent');
    const h = p.health();
    expect(h).to.include({ pushes: 0, failures: 1, consecutiveFailures: 1 });
    expect(h.lastError).to.contain('inconsistent');
    expect(h.lastErrorMs).to.be.a('number');
    // The gateway keeps an empty group that only records the failed push time.
    expect((await group(pg, { job: 'conflict-b' }))?.families ?? {}).to.deep.equal({});
    await rejection(p.push());
    expect(p.health()).to.include({ failures: 2, consecutiveFailures: 2 });
    // The conflicting group gone, the next push succeeds: the consecutive count starts again.
    await pusher({ job: 'conflict-a', store: a.store }).delete();
    await p.push();
    expect(p.health()).to.include({ pushes: 1, failures: 2, consecutiveFailures: 0 });
  });

  it('never sends exemplars or timestamps, even for values recorded in a sampled span', async () => {
    // Exemplars need an active span: a real context manager, as a traced service has.
    const installed = context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    try {
      const mp = provider();
      const c = mp.getMeter('m').createCounter('exemplar.runs');
      const h = mp.getMeter('m').createHistogram('exemplar.duration', { unit: 's' });
      const sampled = trace.setSpanContext(context.active(), { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED });
      c.add(1, {}, sampled);
      h.record(0.3, {}, sampled);
      // The store does hold an exemplar: leaving it out is the serializer's choice, not an accident.
      expect(sumExemplars(c.bind({}) as unknown as SumCell)?.map((x) => x.traceId)).to.deep.equal(['0af7651916cd43dd8448eb211c80319c']);
      await pusher({ job: 'exemplars', store: mp.store }).push();
      expect(sample(await group(pg, { job: 'exemplars' }), 'exemplar_runs_total')?.value).to.equal('1');
    } finally {
      if (installed) context.disable();
    }
  });

  it('pushes gzip bodies the gateway accepts', async () => {
    const mp = provider();
    mp.getMeter('m').createCounter('gzip.runs').add(9);
    await pusher({ job: 'gzip', gzip: true, store: mp.store }).push();
    expect(sample(await group(pg, { job: 'gzip' }), 'gzip_runs_total')?.value).to.equal('9');
  });

  it('pushes every intervalMs; stop() ends the period and pushes the last value once', async () => {
    const mp = provider();
    const runs = mp.getMeter('m').createCounter('periodic.runs').bind({});
    const p = pusher({ job: 'periodic', intervalMs: 150, store: mp.store });
    p.start();
    p.start();
    runs.add(1);
    await waitFor('two periodic pushes', () => p.health().pushes >= 2, 10_000, 20);
    expect(sample(await group(pg, { job: 'periodic' }), 'periodic_runs_total')?.value).to.equal('1');
    runs.add(41);
    await Promise.all([p.stop(), p.stop()]);
    const after = p.health().pushes;
    expect(sample(await group(pg, { job: 'periodic' }), 'periodic_runs_total')?.value).to.equal('42');
    await new Promise((r) => setTimeout(r, 500));
    expect(p.health().pushes).to.equal(after);
    expect(p.health().failures).to.equal(0);
  });

  it('deleteOnShutdown: stop() deletes the group once instead of pushing', async () => {
    const mp = provider();
    mp.getMeter('m').createCounter('shutdown.runs').add(1);
    const p = pusher({ job: 'shutdown', intervalMs: 10_000, deleteOnShutdown: true, store: mp.store });
    await p.push();
    expect(await group(pg, { job: 'shutdown' })).not.to.equal(undefined);
    p.start();
    await Promise.all([p.stop(), p.stop()]);
    expect(await group(pg, { job: 'shutdown' })).to.equal(undefined);
    expect(p.health()).to.include({ pushes: 1, deletes: 1, failures: 0 });
  });

  it('a periodic pusher never keeps the process alive (its timer is unref\'d)', async () => {
    const script = fileURLToPath(new URL('./support/unref-pusher.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, pg.url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const code = await new Promise<number | null>((resolve) => {
      const t = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(null);
      }, 15_000);
      child.on('exit', (c) => {
        clearTimeout(t);
        resolve(c);
      });
    });
    expect(code, out).to.equal(0);
    expect(out).to.contain('pushed');
  });

  it('scraped by a real Prometheus with honor_labels, the series keep the job and grouping labels', async () => {
    const mp = provider();
    mp.getMeter('m').createCounter('scraped.runs').add(7, { outcome: 'ok' });
    await pusher({ job: 'scraped', groupingLabels: { shard: 'a/1', instance: 'w-3' }, store: mp.store }).push();
    const prom = await startPrometheus({ targets: [pg.target], honorLabels: true });
    try {
      await prom.waitForTargetsUp();
      const result = await waitFor('the pushed series in Prometheus', async () => {
        const r = await prom.query('scraped_runs_total');
        return r.length > 0 ? r : undefined;
      }, 30_000);
      expect(result).to.have.length(1);
      expect(result[0]!.metric).to.include({ job: 'scraped', shard: 'a/1', instance: 'w-3', outcome: 'ok' });
      expect(result[0]!.value[1]).to.equal('7');
    } finally {
      await prom.stop();
    }
  });
});

describe('pushgateway (transport, against a local recording server)', () => {
  let server: Server;
  let port = 0;
  const seen: { method: string; url: string; headers: IncomingHttpHeaders; body: Buffer }[] = [];
  let respond: (res: import('node:http').ServerResponse) => void = (res) => res.writeHead(200).end();
  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (b: Buffer) => chunks.push(b));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks) });
        respond(res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => {
    seen.length = 0;
    respond = (res) => res.writeHead(200).end();
  });

  it('sends text 0.0.4 with the configured headers, URL credentials as Basic auth, and keeps secrets out of errors', async () => {
    const mp = provider();
    mp.getMeter('m').createCounter('t.runs').add(1);
    const p = new PushgatewayPusher({ url: `http://user:s3cret-pw@127.0.0.1:${port}/`, job: 'j', headers: { 'X-Tenant': 'blue' }, gzip: true, store: mp.store, resource: mp.resource });
    expect(p.url).to.equal(`http://127.0.0.1:${port}/metrics/job/j`);
    await p.push();
    const r = seen[0]!;
    expect(r.method).to.equal('PUT');
    expect(r.url).to.equal('/metrics/job/j');
    expect(r.headers['content-type']).to.equal('text/plain; version=0.0.4; charset=utf-8');
    expect(r.headers['content-encoding']).to.equal('gzip');
    expect(r.headers['x-tenant']).to.equal('blue');
    expect(r.headers.authorization).to.equal(`Basic ${Buffer.from('user:s3cret-pw').toString('base64')}`);
    const text = gunzipSync(r.body).toString('utf8');
    expect(text).to.match(/^t_runs_total\{otel_scope_name="m"\} 1$/m);
    expect(text).to.contain('target_info{');

    respond = (res) => res.writeHead(500).end('gateway broke');
    const e = await rejection(p.push());
    expect(e.status).to.equal(500);
    expect(e.body).to.equal('gateway broke');
    expect(e.message).not.to.contain('s3cret-pw');
    expect(p.health().lastError).not.to.contain('s3cret-pw');
  });

  it('bounds a push by timeoutMs when the gateway never answers', async () => {
    respond = () => undefined;
    const mp = provider();
    mp.getMeter('m').createCounter('t.runs').add(1);
    const p = new PushgatewayPusher({ url: `http://127.0.0.1:${port}`, job: 'slow', timeoutMs: 300, store: mp.store });
    const t0 = Date.now();
    const e = await rejection(p.push());
    const took = Date.now() - t0;
    expect(e.status).to.equal(undefined);
    expect(e.message).to.contain('no answer within');
    expect(took).to.be.within(250, 3000);
    expect(p.health()).to.include({ failures: 1 });
  });

  it('reports a refused connection as a failure without a status', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const mp = provider();
    const p = new PushgatewayPusher({ url: `http://127.0.0.1:${deadPort}`, job: 'down', store: mp.store });
    const e = await rejection(p.push());
    expect(e.status).to.equal(undefined);
    expect(e.message).to.contain('ECONNREFUSED');
    expect(p.health()).to.include({ pushes: 0, failures: 1 });
  });

  it('refuses bad configuration with typed errors naming the field', () => {
    const store = provider().store;
    const field = (o: Partial<PushgatewayOptions>): string => {
      try {
        new PushgatewayPusher({ url: 'http://127.0.0.1:9091', job: 'j', store, ...o } as PushgatewayOptions);
      } catch (e) {
        expect(e).to.be.instanceOf(PushgatewayConfigError);
        return (e as PushgatewayConfigError).field;
      }
      return 'no error';
    };
    expect(field({ url: 'not a url' })).to.equal('url');
    expect(field({ url: 'ftp://x' })).to.equal('url');
    expect(field({ url: 'http://x/?a=b' })).to.equal('url');
    expect(field({ job: '' })).to.equal('job');
    expect(field({ groupingLabels: { 'a-b': 'x' } })).to.equal('groupingLabels.a-b');
    expect(field({ method: 'DELETE' as 'PUT' })).to.equal('method');
    expect(field({ timeoutMs: 0 })).to.equal('timeoutMs');
    expect(field({ intervalMs: 5 })).to.equal('intervalMs');
    expect(field({ store: undefined })).to.equal('store');
    expect(() => new PushgatewayPusher({ url: 'http://127.0.0.1:9091', job: 'j', store }).start()).to.throw(PushgatewayConfigError, /intervalMs/);
  });
});
