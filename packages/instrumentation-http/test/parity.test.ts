import { expect } from 'chai';
import { context, propagation, trace, type Attributes } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { getRPCMetadata, W3CTraceContextPropagator } from '@opentelemetry/core';
import { HttpInstrumentation as UpstreamHttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { MeterProvider, MetricProducer } from '@otelkit/metrics';
import { createRequire } from 'node:module';
import type * as Http from 'node:http';
import { connect as rawRequest } from 'node:net';
import { HttpInstrumentation, type HttpInstrumentationOptions } from '../src/index.js';

/**
 * The same requests served once under @opentelemetry/instrumentation-http 0.301 and once under
 * this package: span names, kinds, attributes, status, events, parent/child relations (a
 * traceparent header and a child span started in the handler) and the duration metric's
 * attributes must be equal, attribute for attribute. Only the instrumentation scope differs.
 */

interface Case {
  name: string;
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** Raw request bytes instead (for targets fetch would normalize). */
  raw?: string;
  status?: number;
  route?: string;
  throws?: boolean;
}

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const PARENT_ID = 'b7ad6b7169203331';

const CASES: Case[] = [
  { name: 'GET with a remote parent', path: '/orders', headers: { traceparent: `00-${TRACE_ID}-${PARENT_ID}-01` } },
  { name: 'GET without a parent, user agent', path: '/orders/17', headers: { 'user-agent': 'parity-test/1.0' } },
  { name: 'query with a redacted parameter', path: '/search?q=a+b&sig=secret&x=%20y' },
  { name: 'empty query', path: '/empty?' },
  { name: 'POST with a body, 201', method: 'POST', path: '/items', body: '{"a":1}', status: 201, headers: { 'content-type': 'application/json' } },
  { name: '404', path: '/missing', status: 404 },
  { name: '500 is an error with error.type', path: '/boom', status: 500 },
  { name: '503', method: 'PUT', path: '/busy', status: 503 },
  { name: 'HEAD', method: 'HEAD', path: '/head' },
  { name: 'OPTIONS', method: 'OPTIONS', path: '/opts', status: 204 },
  { name: 'DELETE with a route', method: 'DELETE', path: '/users/42', route: '/users/:id' },
  { name: 'x-forwarded-for, -host and -proto', path: '/fwd', headers: { 'x-forwarded-for': '203.0.113.7, 10.0.0.1', 'x-forwarded-host': 'shop.example:8443', 'x-forwarded-proto': 'https' } },
  { name: 'Forwarded header', path: '/fwd2', headers: { forwarded: 'for="[2001:db8::1]:4711";host=api.example;proto=https' } },
  { name: 'x-forwarded-host without a port', path: '/fwd3', headers: { 'x-forwarded-host': 'plain.example' } },
  { name: 'dot segments and percent-encoding', raw: 'GET /a/./b/../c/%7Euser/caf%C3%A9 HTTP/1.1\r\nHost: parity\r\nConnection: close\r\n\r\n', path: '' },
  { name: 'characters a URL encodes', raw: 'GET /x/{y}/`z`/^w?k=v|w&q="1" HTTP/1.1\r\nHost: parity:81\r\nConnection: close\r\n\r\n', path: '' },
  { name: 'double slash', raw: 'GET //double/slash HTTP/1.1\r\nHost: parity\r\nConnection: close\r\n\r\n', path: '' },
  { name: 'absolute-form target', raw: 'GET http://other.example:9000/abs/path?z=1 HTTP/1.1\r\nHost: other.example:9000\r\nConnection: close\r\n\r\n', path: '' },
  { name: 'HTTP/1.0 without a Host', raw: 'GET /ten HTTP/1.0\r\n\r\n', path: '' },
  { name: 'IPv6 Host header', raw: 'GET /v6 HTTP/1.1\r\nHost: [::1]:8080\r\nConnection: close\r\n\r\n', path: '' },
  { name: 'handler fails and answers 500 itself', path: '/throws', throws: true },
];

interface Observed {
  spans: { name: string; kind: number; attributes: Attributes; status: unknown; events: string[]; parentSpanId: string | undefined; traceId: string; isServer: boolean; spanId: string }[];
  handlerSpanId: string | undefined;
  metricPoints: Attributes[];
}

/** Comparable span: ids replaced by their role. */
function shape(s: ReadableSpan) {
  return {
    name: s.name,
    kind: s.kind,
    attributes: s.attributes,
    status: s.status,
    events: s.events.map((e) => e.name),
    parentSpanId: s.parentSpanContext?.spanId,
    traceId: s.spanContext().traceId,
    spanId: s.spanContext().spanId,
    isServer: s.kind === 1,
  };
}

/**
 * The hooks and header capture of instrumentation-http's configuration, given to both
 * instrumentations alike: what each hook sees and when is written onto the span, so that a
 * difference in arguments, order or context shows as a different attribute.
 */
const HOOKS: HttpInstrumentationOptions = {
  startIncomingSpanHook: (req) => ({ 'app.tenant': String(req.headers['x-tenant'] ?? 'none'), 'url.scheme': 'overridden-by-hook' }),
  requestHook: (span, req) => {
    span.setAttribute('app.request_hook', `${req.method} ${req.url} active=${trace.getActiveSpan() === span}`);
  },
  responseHook: (span, res) => {
    span.setAttribute('app.response_hook', `sent=${res.headersSent} status=${res.statusCode} active=${trace.getActiveSpan() === span}`);
  },
  applyCustomAttributesOnSpan: (span, req, res) => {
    span.setAttribute('app.custom', `${req.method} ${req.url} ${res.statusCode} sent=${res.headersSent}`);
  },
  headersToSpanAttributes: { server: { requestHeaders: ['X-Tenant', 'accept', 'x-absent', 'X-Multi'], responseHeaders: ['Content-Type', 'x-resp', 'set-cookie', 'x-none'] } },
};

const HOOK_CASES: Case[] = [
  { name: 'hooks: GET with captured request headers', path: '/orders/1', headers: { 'x-tenant': 'acme', accept: 'application/json', 'x-multi': 'a, b' } },
  { name: 'hooks: POST 201 with a body', method: 'POST', path: '/items?x=1', body: '{"a":1}', status: 201, headers: { 'content-type': 'application/json' } },
  { name: 'hooks: 500 with a route', path: '/users/7', route: '/users/:id', status: 500 },
  { name: 'hooks: handler fails and answers 500 itself', path: '/throws', throws: true },
];

for (const [suite, options, cases] of [['', {}, CASES], [', with hooks and header capture', HOOKS, HOOK_CASES]] as const) describe(`parity with @opentelemetry/instrumentation-http (server spans and http.server.request.duration)${suite}`, function () {
  this.timeout(30_000);
  const ourExporter = new InMemorySpanExporter();
  const upstreamExporter = new InMemorySpanExporter();
  const ourTracing = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: ourExporter })] });
  const upstreamTracing = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: upstreamExporter })] });
  let ourMeters: MeterProvider;
  let upstreamMeters: MeterProvider;
  let ours: HttpInstrumentation;
  let upstream: UpstreamHttpInstrumentation;
  let mode: 'ours' | 'upstream' = 'ours';
  let server: Http.Server;
  let port: number;
  let handlerSpanId: string | undefined;
  let currentCase: Case;

  before(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    ourMeters = new MeterProvider({ exemplarFilter: 'always_off' });
    upstreamMeters = new MeterProvider({ exemplarFilter: 'always_off' });
    ours = new HttpInstrumentation({ tracerProvider: ourTracing, meterProvider: ourMeters, ...options });
    upstream = new UpstreamHttpInstrumentation(options as ConstructorParameters<typeof UpstreamHttpInstrumentation>[0]);
    upstream.setTracerProvider(upstreamTracing);
    upstream.setMeterProvider(upstreamMeters);
    upstream.enable();
    // Required after upstream is enabled, so that require-in-the-middle patches it.
    const http = createRequire(import.meta.url)('node:http') as typeof Http;
    server = http.createServer((req, res) => {
      const work = () => {
        // The handler runs in the server span's context: a child span is its child.
        const active = trace.getSpan(context.active());
        handlerSpanId = active?.spanContext().spanId;
        const tracer = (mode === 'ours' ? ourTracing : upstreamTracing).getTracer('handler');
        tracer.startSpan('child').end();
        if (currentCase.route !== undefined) {
          const rpc = getRPCMetadata(context.active());
          if (rpc !== undefined) rpc.route = currentCase.route;
        }
        if (currentCase.throws) throw new TypeError('handler failed');
        res.statusCode = currentCase.status ?? 200;
        res.setHeader('content-type', 'text/plain');
        res.setHeader('x-resp', 7);
        res.setHeader('set-cookie', ['a=1', 'b=2']);
        res.end(req.method === 'HEAD' ? undefined : 'ok');
      };
      if (req.method === 'POST') {
        let body = '';
        req.on('data', (c) => (body += c));
        // The body's 'end' listener (where express calls a POST route) also runs in it.
        req.on('end', () => {
          expect(body).to.equal(currentCase.body);
          work();
        });
      } else if (currentCase.throws) {
        // A throwing handler: Node's default is to crash; catch it the way a domain-less app would not.
        try {
          work();
        } catch {
          res.statusCode = 500;
          res.end();
        }
      } else {
        work();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });

  after(async () => {
    await new Promise((r) => server?.close(r));
    upstream?.disable();
    ours?.disable();
    context.disable();
    propagation.disable();
  });

  async function send(c: Case): Promise<void> {
    currentCase = c;
    const raw = c.raw;
    if (raw !== undefined) {
      await new Promise<void>((resolve, reject) => {
        const s = rawRequest({ host: '127.0.0.1', port });
        s.on('error', reject);
        s.on('data', () => undefined);
        s.on('close', () => resolve());
        s.end(raw);
      });
      return;
    }
    const res = await fetch(`http://127.0.0.1:${port}${c.path}`, { method: c.method ?? 'GET', headers: c.headers, body: c.body });
    await res.arrayBuffer();
  }

  async function observe(which: 'ours' | 'upstream', c: Case): Promise<Observed> {
    mode = which;
    // One instrumentation at a time (both enable() / disable() restore and re-patch in place).
    if (which === 'ours') {
      upstream.disable();
      ours.enable();
    } else {
      ours.disable();
      upstream.enable();
    }
    const exporter = which === 'ours' ? ourExporter : upstreamExporter;
    const meters = which === 'ours' ? ourMeters : upstreamMeters;
    exporter.reset();
    handlerSpanId = undefined;
    await send(c);
    // The span ends on the response's finish / close, after the client may have seen the body.
    for (let i = 0; i < 100 && exporter.getFinishedSpans().filter((s) => s.kind === 1).length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 20));
    const collected = await new MetricProducer(meters.store).collect();
    const points: Attributes[] = [];
    for (const sm of collected.resourceMetrics.scopeMetrics)
      for (const m of sm.metrics) if (m.descriptor.name === 'http.server.request.duration') for (const dp of m.dataPoints) points.push(dp.attributes);
    return { spans: exporter.getFinishedSpans().map(shape), handlerSpanId, metricPoints: points };
  }

  const upstreamPoints = new Map<string, number>();
  const ourPoints = new Map<string, number>();
  for (const c of cases) {
    it(c.name, async () => {
      const up = await observe('upstream', c);
      const me = await observe('ours', c);
      const server = (o: Observed) => o.spans.find((s) => s.isServer)!;
      const child = (o: Observed) => o.spans.find((s) => s.name === 'child');
      expect(up.spans.filter((s) => s.isServer), 'upstream: one server span').to.have.length(1);
      expect(me.spans.filter((s) => s.isServer), 'ours: one server span').to.have.length(1);
      const [u, m] = [server(up), server(me)];
      expect(m.name).to.equal(u.name);
      expect(m.kind).to.equal(u.kind);
      // The client's ephemeral port differs between the two requests: its presence and type are compared.
      expect(m.attributes['network.peer.port']).to.be.a('number');
      expect({ ...m.attributes, 'network.peer.port': 0 }).to.deep.equal({ ...u.attributes, 'network.peer.port': 0 });
      expect(m.status).to.deep.equal(u.status);
      expect(m.events).to.deep.equal(u.events);
      // Spot checks that the cases exercise what they are named after.
      if (c.route !== undefined) expect(m.name).to.equal(`${c.method ?? 'GET'} ${c.route}`);
      if ((c.status ?? 200) >= 500 || c.throws) expect(m.attributes['error.type']).to.equal(String(c.status ?? 500));
      if (c.path.includes('sig=')) expect(m.attributes['url.query']).to.equal('q=a+b&sig=REDACTED&x=+y');
      if (options === HOOKS) {
        // The hooks ran, and saw what their names promise.
        expect(m.attributes['app.tenant']).to.equal(c.headers?.['x-tenant'] ?? 'none');
        expect(m.attributes['url.scheme']).to.equal('overridden-by-hook');
        expect(m.attributes['app.request_hook']).to.match(/ active=true$/);
        expect(m.attributes['app.response_hook']).to.equal('sent=false status=200 active=true');
        // A handler that throws here is caught and answers 500 itself: the response completes.
        expect(m.attributes['app.custom']).to.match(new RegExp(` ${c.throws ? 500 : (c.status ?? 200)} sent=true$`));
        if (!c.throws) {
          expect(m.attributes['http.response.header.set-cookie']).to.deep.equal(['a=1', 'b=2']);
          expect(m.attributes['http.response.header.x-resp']).to.deep.equal([7]);
        }
        if (c.headers?.['x-tenant'] !== undefined) expect(m.attributes['http.request.header.x-multi']).to.deep.equal(['a, b']);
      }
      // Parent: the traceparent's span when given, else a root (new trace id each time).
      expect(m.parentSpanId).to.equal(u.parentSpanId);
      if (c.headers?.traceparent !== undefined) {
        expect(m.traceId).to.equal(TRACE_ID);
        expect(m.parentSpanId).to.equal(PARENT_ID);
      }
      // The handler ran in the server span's context, and its child span is the server span's child.
      expect(me.handlerSpanId).to.equal(m.spanId);
      expect(up.handlerSpanId).to.equal(u.spanId);
      expect(child(me)?.parentSpanId).to.equal(m.spanId);
      expect(child(up)?.parentSpanId).to.equal(u.spanId);
      // The metric: one more observation in the series upstream's request went to.
      for (const [o, seen] of [[up, upstreamPoints], [me, ourPoints]] as const) {
        for (const a of o.metricPoints) seen.set(JSON.stringify(sorted(a)), (seen.get(JSON.stringify(sorted(a))) ?? 0) + 1);
      }
      expect([...ourPoints.keys()].sort()).to.deep.equal([...upstreamPoints.keys()].sort());
    });
  }

  it('ends with as many duration series as upstream, with the same attributes', () => {
    expect(ourPoints.size).to.be.greaterThan(cases.length > 5 ? 5 : 2);
    expect([...ourPoints.keys()].sort()).to.deep.equal([...upstreamPoints.keys()].sort());
  });
});

function sorted(a: Attributes): Attributes {
  return Object.fromEntries(Object.entries(a).sort(([x], [y]) => (x < y ? -1 : 1)));
}
