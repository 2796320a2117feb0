import { expect } from 'chai';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import express from 'express';
import Fastify from 'fastify';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, MetricStore } from '@otelkit/metrics';
import { parseOpenMetricsStrict, promtoolCheckMetrics } from '@otelkit/testkit';
import { createMetricsHandler, PrometheusConfigError, type MetricsHandler } from '../src/index.js';
import { withDiag } from './exposition-support.js';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const PROMETHEUS_ACCEPT = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

/** A plain node:http request: no path normalisation, no automatic decompression. */
function get(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end();
  });
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function provider(): MeterProvider {
  const mp = new MeterProvider({ exemplarFilter: 'always_off' });
  const m = mp.getMeter('app', '1.0.0');
  m.createCounter('http.requests', { description: 'Requests' }).add(7, { route: '/a' });
  m.createHistogram('http.duration', { description: 'Duration', unit: 's', advice: { explicitBucketBoundaries: [0.1, 1] } }).record(0.3, { route: '/a' });
  return mp;
}

const resource = resourceFromAttributes({ 'service.name': 'handler-test' });

/** A store whose collection fails: what a bug or an exhausted process would look like to the handler. */
class FailingStore extends MetricStore {
  override async observe(): Promise<unknown[]> {
    throw new Error('collection exploded');
  }
}

describe('createMetricsHandler over node:http', () => {
  let server: Server;
  let port: number;
  const mp = provider();
  before(async () => {
    server = createServer(createMetricsHandler({ store: mp.store, resource }));
    port = await listen(server);
  });
  after(() => close(server));

  it('serves text 0.0.4 without Accept, valid for promtool', async () => {
    const r = await get(port, '/metrics');
    expect(r.status).to.equal(200);
    expect(r.headers['content-type']).to.equal('text/plain; version=0.0.4; charset=utf-8');
    expect(r.headers.vary).to.equal('Accept, Accept-Encoding');
    expect(r.headers['content-encoding']).to.equal(undefined);
    expect(Number(r.headers['content-length'])).to.equal(r.body.length);
    const text = r.body.toString('utf8');
    expect(text).to.include('http_requests_total{otel_scope_name="app",otel_scope_version="1.0.0",route="/a"} 7');
    expect(text).to.include('target_info{job="handler-test"} 1');
    expect(promtoolCheckMetrics(text)).to.deep.equal({ status: 0, output: '' });
  });

  it('serves OpenMetrics to Prometheus\' Accept header, valid for the strict parser', async () => {
    const r = await get(port, '/metrics', { Accept: PROMETHEUS_ACCEPT });
    expect(r.status).to.equal(200);
    expect(r.headers['content-type']).to.equal('application/openmetrics-text; version=1.0.0; charset=utf-8');
    const fams = parseOpenMetricsStrict(r.body.toString('utf8'));
    expect(fams.map((f) => f.name)).to.deep.equal(['target', 'http_requests', 'http_duration_seconds']);
  });

  it('gzips when Accept-Encoding allows it', async () => {
    const plain = await get(port, '/metrics', { Accept: PROMETHEUS_ACCEPT });
    const r = await get(port, '/metrics', { Accept: PROMETHEUS_ACCEPT, 'Accept-Encoding': 'gzip' });
    expect(r.status).to.equal(200);
    expect(r.headers['content-encoding']).to.equal('gzip');
    expect(Number(r.headers['content-length'])).to.equal(r.body.length);
    expect(gunzipSync(r.body).toString('utf8')).to.equal(plain.body.toString('utf8'));
    const refused = await get(port, '/metrics', { 'Accept-Encoding': 'gzip;q=0, identity' });
    expect(refused.headers['content-encoding']).to.equal(undefined);
  });

  it('answers HEAD with the GET headers and no body', async () => {
    const g = await get(port, '/metrics');
    const h = await get(port, '/metrics', {}, 'HEAD');
    expect(h.status).to.equal(200);
    expect(h.body.length).to.equal(0);
    expect(h.headers['content-type']).to.equal(g.headers['content-type']);
    expect(h.headers['content-length']).to.equal(g.headers['content-length']);
  });

  it('answers 405 with Allow for other methods', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']) {
      const r = await get(port, '/metrics', {}, method);
      expect(r.status, method).to.equal(405);
      expect(r.headers.allow).to.equal('GET, HEAD');
    }
  });

  it('matches the path exactly and ignores the query string', async () => {
    expect((await get(port, '/metrics?x=1&name[]=y')).status).to.equal(200);
    for (const p of ['/metrics/', '//metrics', '/metrics/x', '/Metrics', '/metricsx', '/', '/metrics%2F']) {
      expect((await get(port, p)).status, p).to.equal(404);
    }
  });

  it('concurrent scrapes share one collection: callbacks run once, every reply is the same', async () => {
    const mp2 = provider();
    let calls = 0;
    mp2.getMeter('app').createObservableGauge('slow.gauge', { description: 'Slow' }).addCallback(async (r) => {
      calls++;
      await new Promise((res) => setTimeout(res, 150));
      r.observe(calls);
    });
    const s = createServer(createMetricsHandler({ store: mp2.store }));
    const p = await listen(s);
    try {
      const replies = await Promise.all([
        get(p, '/metrics'),
        get(p, '/metrics', { Accept: PROMETHEUS_ACCEPT }),
        get(p, '/metrics'),
        get(p, '/metrics', { Accept: PROMETHEUS_ACCEPT, 'Accept-Encoding': 'gzip' }),
        get(p, '/metrics', { 'Accept-Encoding': 'gzip' }),
      ]);
      expect(calls).to.equal(1);
      expect(replies.map((r) => r.status)).to.deep.equal([200, 200, 200, 200, 200]);
      expect(replies[0]!.body.equals(replies[2]!.body)).to.equal(true);
      expect(gunzipSync(replies[3]!.body).equals(replies[1]!.body)).to.equal(true);
      expect(gunzipSync(replies[4]!.body).equals(replies[0]!.body)).to.equal(true);
      expect(replies[0]!.body.toString()).to.include('slow_gauge{otel_scope_name="app"} 1');
      // A scrape after that round runs the callbacks again.
      const later = await get(p, '/metrics');
      expect(calls).to.equal(2);
      expect(later.body.toString()).to.include('slow_gauge{otel_scope_name="app"} 2');
    } finally {
      await close(s);
    }
  });

  it('a failing callback costs its own series, not the scrape', async () => {
    const mp2 = provider();
    mp2.getMeter('app').createObservableGauge('broken', { description: 'Broken' }).addCallback(() => {
      throw new Error('callback bug');
    });
    const s = createServer(createMetricsHandler({ store: mp2.store }));
    const p = await listen(s);
    try {
      const { result: r } = await withDiag(() => get(p, '/metrics'));
      expect(r.status).to.equal(200);
      expect(r.body.toString()).to.include('http_requests_total');
      expect(r.body.toString()).not.to.include('broken');
    } finally {
      await close(s);
    }
  });

  it('answers 500 (never a 200 with an error comment) when the collection fails, and the server lives on', async () => {
    const s = createServer(createMetricsHandler({ store: new FailingStore() }));
    const p = await listen(s);
    try {
      const { result, warnings } = await withDiag(async () => [await get(p, '/metrics'), await get(p, '/metrics', { Accept: PROMETHEUS_ACCEPT }), await get(p, '/metrics', {}, 'HEAD')]);
      expect(result.map((r) => r.status)).to.deep.equal([500, 500, 500]);
      for (const r of result) expect(r.body.toString()).not.to.include('#');
      expect(warnings.some((w) => w.includes('collection exploded'))).to.equal(true);
      expect((await get(p, '/nope')).status).to.equal(404);
    } finally {
      await close(s);
    }
  });

  it('applies the access guard before collecting', async () => {
    const s = createServer(createMetricsHandler({ store: mp.store, auth: { bearerToken: 'sekret-token-123' } }));
    const p = await listen(s);
    try {
      const denied = await get(p, '/metrics');
      expect(denied.status).to.equal(401);
      expect(denied.headers['www-authenticate']).to.match(/^Bearer/);
      expect(denied.body.toString()).not.to.include('http_requests');
      const ok = await get(p, '/metrics', { Authorization: 'Bearer sekret-token-123' });
      expect(ok.status).to.equal(200);
      expect(ok.body.toString()).to.include('http_requests_total');
    } finally {
      await close(s);
    }
  });

  it('refuses bad options with a typed error naming the field', () => {
    const bad: [Record<string, unknown>, string][] = [
      [{}, 'store'],
      [{ store: mp.store, path: 'metrics' }, 'path'],
      [{ store: mp.store, path: '/metrics?x' }, 'path'],
      [{ store: mp.store, collectTimeoutMs: 0 }, 'collectTimeoutMs'],
    ];
    for (const [opts, field] of bad) {
      expect(() => createMetricsHandler(opts as never), field)
        .to.throw(PrometheusConfigError)
        .with.property('field', field);
    }
  });
});

describe('createMetricsHandler in frameworks', () => {
  const mp = provider();
  let handler: MetricsHandler;
  before(() => {
    handler = createMetricsHandler({ store: mp.store, resource });
  });

  it('express: app.use(handler) serves /metrics and passes other paths to next()', async () => {
    const app = express();
    app.use(handler);
    app.get('/hello', (_req, res) => {
      res.send('world');
    });
    const server = createServer(app);
    const port = await listen(server);
    try {
      const m = await get(port, '/metrics', { Accept: PROMETHEUS_ACCEPT, 'Accept-Encoding': 'gzip' });
      expect(m.status).to.equal(200);
      expect(parseOpenMetricsStrict(gunzipSync(m.body).toString()).map((f) => f.name)).to.include('http_requests');
      expect((await get(port, '/hello')).body.toString()).to.equal('world');
      expect((await get(port, '/metrics', {}, 'POST')).status).to.equal(405);
    } finally {
      await close(server);
    }
  });

  it('express: mounted with app.get("/metrics", handler) and app.use("/metrics", handler)', async () => {
    const app = express();
    app.get('/metrics', handler);
    const other = express();
    other.use('/metrics', handler);
    for (const a of [app, other]) {
      const server = createServer(a);
      const port = await listen(server);
      try {
        const r = await get(port, '/metrics');
        expect(r.status).to.equal(200);
        expect(r.body.toString()).to.include('http_requests_total');
      } finally {
        await close(server);
      }
    }
  });

  it('fastify: reply.hijack() then handler(request.raw, reply.raw) (HEAD comes with the GET route)', async () => {
    const app = Fastify();
    app.get('/metrics', (request, reply) => {
      reply.hijack();
      handler(request.raw, reply.raw);
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as AddressInfo).port;
    try {
      const r = await get(port, '/metrics?debug=1');
      expect(r.status).to.equal(200);
      expect(r.headers['content-type']).to.equal('text/plain; version=0.0.4; charset=utf-8');
      expect(promtoolCheckMetrics(r.body.toString())).to.deep.equal({ status: 0, output: '' });
      const om = await get(port, '/metrics', { Accept: PROMETHEUS_ACCEPT });
      expect(parseOpenMetricsStrict(om.body.toString()).map((f) => f.name)).to.include('http_duration_seconds');
      const head = await get(port, '/metrics', {}, 'HEAD');
      expect(head.status).to.equal(200);
      expect(head.body.length).to.equal(0);
    } finally {
      await app.close();
    }
  });
});
