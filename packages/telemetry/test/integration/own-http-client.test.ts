import { expect } from 'chai';
import { context, trace } from '@opentelemetry/api';
import http from 'node:http';
import { HttpInstrumentation as UpstreamHttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { freePort, parseOpenMetricsStrict, startOtlpReceiver, type OtlpReceiver } from '@otelkit/testkit';
import { initTelemetry, ConfigError, resolveConfig, type Telemetry } from '../../src/index.js';
import { detectHttpCoexistence, formatHttpCoexistenceWarning, HTTP_COEXISTENCE_WARNING_CODE } from '../../src/http-coexistence.js';

/**
 * `initTelemetry({ httpInstrumentation: { client: true } })`: a request through service A, whose
 * handler calls service B with fetch() and with http.get(): one trace — A's SERVER span, two
 * CLIENT spans as its children, B's SERVER spans as theirs (the injected traceparent) — exported
 * over OTLP and decoded with the official protos; otelkit's own export requests are not traced;
 * http.client.request.duration on /metrics with the trace's exemplar.
 */

type Attr = { key: string; value: Record<string, unknown> };
interface OtlpSpan {
  trace_id: string;
  span_id: string;
  parent_span_id?: string;
  name: string;
  kind: string;
  attributes?: Attr[];
}
const asMap = (attrs: Attr[] = []) => Object.fromEntries(attrs.map((a) => [a.key, Object.values(a.value)[0]]));

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

describe('initTelemetry({ httpInstrumentation: { client: true } })', function () {
  this.timeout(60_000);
  let receiver: OtlpReceiver;
  let tel: Telemetry;
  let a: http.Server;
  let b: http.Server;
  let aPort: number;
  let bPort: number;
  const seenAtB: string[] = [];
  let traceId = '';

  before(async () => {
    receiver = await startOtlpReceiver();
    const promPort = await freePort();
    tel = initTelemetry({
      serviceName: 'own-http-client',
      runtimeMetrics: false,
      shutdownHooks: false,
      metricsExporters: ['prometheus', 'otlp'],
      tracesExporters: ['otlp'],
      prometheus: { host: '127.0.0.1', port: promPort },
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' },
      metricExportIntervalMillis: 600_000,
      httpInstrumentation: { client: true, ignoreIncomingRequest: (req) => req.url?.startsWith('/metrics') === true, // The receiver's own API (/received, /control) is read by this test through fetch().
      ignoreOutgoingRequest: (r) => r.url === `http://127.0.0.1:${promPort}/metrics` || /\/(received|control|reset)$/.test(r.url),
      // Server hooks and header capture reach the server instrumentation (parity: instrumentation-http's test/parity.test.ts).
      // One requestHook for both sides, as instrumentation-http's: a server IncomingMessage (url) or a node:http ClientRequest (path).
      requestHook: (span, req) => span.setAttribute('app.hooked', 'url' in req && req.url !== undefined ? req.url : (req as { path: string }).path),
      // The client start hook gets the request's options (node:http client spans only).
      startOutgoingSpanHook: (o) => ({ 'app.started': `${o.method} ${o.path}` }),
      // fetch() spans take instrumentation-undici's hooks, under `fetch`.
      fetch: { startSpanHook: (request) => ({ 'app.started': `fetch ${request.path}` }), headersToSpanAttributes: { responseHeaders: ['content-length'] } },
      headersToSpanAttributes: { server: { responseHeaders: ['x-served-by'] } } },
    });
    await tel.ready;
    b = http.createServer((req, res) => {
      seenAtB.push(String(req.headers.traceparent));
      res.end('b');
    });
    await new Promise<void>((r) => b.listen(0, '127.0.0.1', r));
    bPort = (b.address() as { port: number }).port;
    a = http.createServer(async (_req, res) => {
      const viaFetch = await (await fetch(`http://127.0.0.1:${bPort}/from-fetch`)).text();
      const viaHttp = await get(`http://127.0.0.1:${bPort}/from-http`);
      res.setHeader('x-served-by', 'a');
      res.end(`${viaFetch}${viaHttp}`);
    });
    await new Promise<void>((r) => a.listen(0, '127.0.0.1', r));
    aPort = (a.address() as { port: number }).port;
  });
  after(async () => {
    await new Promise((r) => a?.close(r));
    await new Promise((r) => b?.close(r));
    await tel?.shutdown().catch(() => undefined);
    await receiver?.stop();
  });

  it('one trace through A and B: CLIENT spans are children of the handler span, B continues them', async () => {
    // This request to A is itself an instrumented fetch(): its CLIENT span is the trace's root.
    const res = await fetch(`http://127.0.0.1:${aPort}/front`);
    expect(await res.text()).to.equal('bb');
    await tel.forceFlush();
    // A second flush: had the first export been traced, its CLIENT span would be in this one.
    await tel.forceFlush();
    const spans: OtlpSpan[] = [];
    for (const r of await receiver.requests())
      if (r.path === '/v1/traces') for (const rs of r.body?.resource_spans ?? []) for (const ss of rs.scope_spans ?? []) spans.push(...(ss.spans as OtlpSpan[]));
    const root = spans.find((s) => s.kind === 'SPAN_KIND_CLIENT' && asMap(s.attributes)['url.full'] === `http://127.0.0.1:${aPort}/front`)!;
    expect(root, JSON.stringify(spans.map((s) => [s.name, s.kind, asMap(s.attributes)['url.full']]))).to.not.equal(undefined);
    expect(root.parent_span_id ?? '').to.equal('');
    traceId = root.trace_id;
    const inTrace = spans.filter((s) => s.trace_id === traceId);
    expect(inTrace).to.have.length(6);
    const serverA = inTrace.find((s) => s.kind === 'SPAN_KIND_SERVER' && s.parent_span_id === root.span_id)!;
    expect(asMap(serverA.attributes)['url.path']).to.equal('/front');
    expect(asMap(serverA.attributes)['app.hooked']).to.equal('/front');
    expect(asMap(serverA.attributes)['http.response.header.x-served-by']).to.deep.equal({ values: [{ string_value: 'a' }] });
    const clients = inTrace.filter((s) => s.kind === 'SPAN_KIND_CLIENT' && s.parent_span_id === serverA.span_id);
    expect(clients.map((s) => asMap(s.attributes)['url.full']).sort()).to.deep.equal([`http://127.0.0.1:${bPort}/from-fetch`, `http://127.0.0.1:${bPort}/from-http`]);
    // The hook on the node:http client span; fetch() spans have no hooks.
    expect(clients.map((c) => asMap(c.attributes)['app.hooked']).sort()).to.deep.equal(['/from-http', undefined]);
    expect(clients.map((c) => asMap(c.attributes)['app.started']).sort()).to.deep.equal(['GET /from-http', 'fetch /from-fetch']);
    const fetched = clients.find((c) => asMap(c.attributes)['url.full'] === `http://127.0.0.1:${bPort}/from-fetch`)!;
    expect(asMap(fetched.attributes)['http.response.header.content-length']).to.deep.equal({ values: [{ string_value: '1' }] });
    for (const c of clients) {
      expect(c.name).to.equal('GET');
      expect(asMap(c.attributes)['http.response.status_code']).to.equal('200');
      const serverB = inTrace.find((s) => s.kind === 'SPAN_KIND_SERVER' && s.parent_span_id === c.span_id);
      expect(serverB, `B's server span under ${String(asMap(c.attributes)['url.full'])}`).to.not.equal(undefined);
      expect(seenAtB).to.include(`00-${traceId}-${c.span_id}-01`);
    }
    // otelkit's own exports (to the receiver: traces and metrics) made no span — they run with
    // tracing suppressed (packages/otlp http-transport.ts; without it this finds the first export).
    expect(spans.filter((s) => String(asMap(s.attributes)['url.full'] ?? '').startsWith(receiver.url))).to.deep.equal([]);
  });

  it('http.client.request.duration on /metrics, its exemplar in the request trace', async () => {
    const om = await (await fetch(tel.metricsUrl!, { headers: { accept: 'application/openmetrics-text; version=1.0.0' } })).text();
    const duration = parseOpenMetricsStrict(om).find((f) => f.name === 'http_client_request_duration_seconds');
    expect(duration, om).to.not.equal(undefined);
    const counts = duration!.samples.filter((s) => s.name.endsWith('_count'));
    // B by fetch, B by http.get, A by the test's fetch; no series for the exports or /metrics.
    const ports = counts.map((s) => s.labels.server_port).sort();
    expect(ports).to.deep.equal([String(aPort), String(bPort), String(bPort)].sort());
    expect(counts.every((s) => s.labels.http_request_method === 'GET' && s.labels.http_response_status_code === '200')).to.equal(true);
    const exemplars = duration!.samples.filter((s) => s.exemplar !== null).map((s) => s.exemplar!.labels.trace_id);
    expect(exemplars).to.include(traceId);
  });

  it('a malformed client setting is a ConfigError naming the field', () => {
    expect(() => resolveConfig({ httpInstrumentation: { client: 'yes' as never }, env: {} })).to.throw(ConfigError, /httpInstrumentation\.client/);
    expect(() => resolveConfig({ httpInstrumentation: { server: 1 as never }, env: {} })).to.throw(ConfigError, /httpInstrumentation\.server/);
    expect(() => resolveConfig({ httpInstrumentation: { ignoreOutgoingRequest: 'x' as never }, env: {} })).to.throw(ConfigError, /httpInstrumentation\.ignoreOutgoingRequest/);
    expect(() => resolveConfig({ httpInstrumentation: { server: false, client: true }, env: {} })).to.not.throw();
  });
});

describe('initTelemetry({ httpInstrumentation: { client: true, requireParentforOutgoingSpans: true } })', function () {
  this.timeout(30_000);
  let tel: Telemetry;
  let b: http.Server;
  let bPort: number;
  const seen: (string | undefined)[] = [];

  before(async () => {
    b = http.createServer((req, res) => {
      seen.push(req.headers.traceparent as string | undefined);
      res.end('b');
    });
    await new Promise<void>((r) => b.listen(0, '127.0.0.1', r));
    bPort = (b.address() as { port: number }).port;
    tel = initTelemetry({
      serviceName: 'require-parent',
      runtimeMetrics: false,
      shutdownHooks: false,
      metricsExporters: ['prometheus'],
      tracesExporters: ['none'],
      prometheus: { host: '127.0.0.1', port: 0 },
      env: {},
      httpInstrumentation: { server: false, client: true, requireParentforOutgoingSpans: true, ignoreOutgoingRequest: (r) => r.url.endsWith('/metrics') },
    });
    await tel.ready;
  });
  after(async () => {
    await new Promise((r) => b?.close(r));
    await tel?.shutdown().catch(() => undefined);
  });

  it('requests outside any span send no traceparent, requests inside one do; all of them are timed', async () => {
    await (await fetch(`http://127.0.0.1:${bPort}/poll`)).text();
    await get(`http://127.0.0.1:${bPort}/poll`);
    const parent = tel.tracerProvider!.getTracer('test').startSpan('job');
    await context.with(trace.setSpan(context.active(), parent), async () => {
      await (await fetch(`http://127.0.0.1:${bPort}/work`)).text();
      await get(`http://127.0.0.1:${bPort}/work`);
    });
    parent.end();
    expect(seen.slice(0, 2)).to.deep.equal([undefined, undefined]);
    for (const t of seen.slice(2)) expect(t).to.match(new RegExp(`^00-${parent.spanContext().traceId}-[0-9a-f]{16}-01$`));
    const text = await (await fetch(tel.metricsUrl!)).text();
    const counts = text.split('\n').filter((l) => l.startsWith('http_client_request_duration_seconds_count'));
    expect(counts.reduce((n, l) => n + Number(l.split(' ').at(-1)), 0), text).to.equal(4);
  });
});

describe('httpInstrumentation coexistence with instrumentation-http / -undici', function () {
  this.timeout(20_000);

  it('detects each part another instrumentation covers', () => {
    const upstream = new UpstreamHttpInstrumentation({ enabled: false });
    expect(detectHttpCoexistence({ instrumentations: [upstream], httpRequest: () => undefined, undiciSubscribed: false }).map((f) => f.part)).to.deep.equal(['server', 'client-http']);
    const incomingOnly = new UpstreamHttpInstrumentation({ enabled: false, disableOutgoingRequestInstrumentation: true });
    expect(detectHttpCoexistence({ instrumentations: [incomingOnly], httpRequest: () => undefined, undiciSubscribed: false }).map((f) => f.part)).to.deep.equal(['server']);
    const undici = { instrumentationName: '@opentelemetry/instrumentation-undici', getConfig: () => ({}) };
    expect(detectHttpCoexistence({ instrumentations: [undici], httpRequest: () => undefined, undiciSubscribed: false }).map((f) => f.part)).to.deep.equal(['client-fetch']);
    const wrapped = Object.assign(() => undefined, { __wrapped: true });
    expect(detectHttpCoexistence({ instrumentations: [], httpRequest: wrapped, undiciSubscribed: true }).map((f) => f.part)).to.deep.equal(['client-http', 'client-fetch']);
    expect(detectHttpCoexistence({ instrumentations: [], httpRequest: () => undefined, undiciSubscribed: false })).to.deep.equal([]);
    expect(formatHttpCoexistenceWarning([{ part: 'client-fetch', found: 'x' }])).to.match(/fetch\(\) client spans.*not enabled, x/);
  });

  it('initTelemetry() with instrumentation-http in `instrumentations`: one warning, one CLIENT span per request', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    const upstream = new UpstreamHttpInstrumentation();
    const tel = initTelemetry({
      serviceName: 'coexist',
      runtimeMetrics: false,
      shutdownHooks: false,
      prometheus: false,
      metricsExporters: [],
      tracesExporters: [],
      env: {},
      instrumentations: [upstream],
      httpInstrumentation: { client: true },
    });
    const server = http.createServer((_req, res) => res.end('ok'));
    try {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      await new Promise((r) => setImmediate(r));
      const mine = warnings.filter((w) => (w as Error & { code?: string }).code === HTTP_COEXISTENCE_WARNING_CODE);
      expect(mine).to.have.length(1);
      expect(mine[0]!.message).to.include('server spans').and.include('node:http client spans');
      // node:http requests are instrumentation-http's alone: its patched request, not a second span from otelkit.
      let traceparents = 0;
      server.removeAllListeners('request');
      server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
        traceparents += String(req.headers.traceparent ?? '').split(',').filter((t) => t.startsWith('00-')).length;
        res.end('ok');
      });
      const { createRequire } = await import('node:module');
      const patched = createRequire(import.meta.url)('node:http') as typeof http;
      await new Promise<void>((resolve, reject) =>
        patched.get(`http://127.0.0.1:${(server.address() as { port: number }).port}/x`, (res) => res.resume().on('end', resolve)).on('error', reject),
      );
      expect(traceparents).to.equal(1);
    } finally {
      process.off('warning', onWarning);
      await new Promise((r) => server.close(r));
      await tel.shutdown().catch(() => undefined);
    }
  });
});
