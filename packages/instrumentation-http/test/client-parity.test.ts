import { expect } from 'chai';
import { context, trace } from '@opentelemetry/api';
import { HttpInstrumentation as UpstreamHttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as Http from 'node:http';
import type * as Https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpClientInstrumentation, type HttpClientInstrumentationOptions } from '../src/index.js';
import { addedSince, type ClientShape, clientSpans, countsBySeries, durationPoints, installGlobals, makeSide, type Peer, type Side, startPeer, switchTo, withParent } from './client-harness.js';

/**
 * The same outgoing node:http requests made once under @opentelemetry/instrumentation-http 0.301
 * (client part; it emits the stable conventions by default) and once under
 * HttpClientInstrumentation, against a real loopback server: span name, kind, attributes, status,
 * events, parent, the traceparent the server received, the context the response callback runs in,
 * and the series of http.client.request.duration must be equal.
 */

interface Case {
  name: string;
  /** Makes the request with the given `http` module; resolves when the caller is done with it. */
  run(http: typeof Http, peer: Peer, https: typeof Https): Promise<void>;
  parent?: boolean;
  /** The server answers (a traceparent reaches it). */
  reachesServer?: boolean;
  /** A response reaches the callback. */
  responds?: boolean;
  expectError?: string;
  /**
   * **Deviation** (documented in the README): a response reset in the middle of its body is an
   * error (`error.type` the error's name, status ERROR); instrumentation-http ends that span on
   * the request's 'close', which Node emits before the response's error, as a success.
   */
  cutShort?: boolean;
}

function call(http: typeof Http, args: unknown[], body?: string, abortAfterMs?: number): Promise<void> {
  return new Promise((resolve) => {
    const ac = new AbortController();
    const opts = abortAfterMs !== undefined ? { signal: ac.signal } : undefined;
    const req = (http.request as (...a: unknown[]) => Http.ClientRequest)(...args, ...(opts ? [opts] : []), (res: Http.IncomingMessage) => {
      callbackSpan = trace.getSpan(context.active())?.spanContext().spanId;
      res.on('data', () => undefined);
      res.on('end', () => setTimeout(resolve, 10));
      res.on('error', () => setTimeout(resolve, 10));
    });
    req.on('error', () => setTimeout(resolve, 10));
    if (abortAfterMs !== undefined) setTimeout(() => ac.abort(), abortAfterMs);
    req.end(body);
  });
}

let callbackSpan: string | undefined;
let tlsPort = 0;
let tlsTraceparent: string | undefined;

const CASES: Case[] = [
  { name: 'GET, options object, inside a parent span', parent: true, reachesServer: true, responds: true, run: (http, p) => call(http, [{ host: '127.0.0.1', port: p.port, path: '/orders?id=7' }]) },
  { name: 'GET, string URL, no parent', reachesServer: true, responds: true, run: (http, p) => call(http, [`http://localhost:${p.port}/items/3`]) },
  { name: 'URL object with a redacted query parameter', reachesServer: true, responds: true, run: (http, p) => call(http, [new URL(`http://127.0.0.1:${p.port}/s?q=a%20b&sig=secret&x=1`)]) },
  { name: 'empty query', reachesServer: true, responds: true, run: (http, p) => call(http, [`http://127.0.0.1:${p.port}/empty?`]) },
  {
    name: 'POST with a body and a user agent, 201',
    parent: true,
    reachesServer: true,
    responds: true,
    run: (http, p) => call(http, [{ host: '127.0.0.1', port: p.port, path: '/items', method: 'POST', headers: { 'user-agent': 'parity/1.0', 'content-type': 'application/json' } }], '{"a":1}'),
  },
  { name: 'HEAD', reachesServer: true, responds: true, run: (http, p) => call(http, [{ host: '127.0.0.1', port: p.port, path: '/h', method: 'HEAD' }]) },
  { name: 'DELETE', reachesServer: true, responds: true, run: (http, p) => call(http, [{ host: '127.0.0.1', port: p.port, path: '/d/1', method: 'DELETE' }]) },
  { name: '404 is an error for a client', reachesServer: true, responds: true, run: (http, p) => call(http, [`http://127.0.0.1:${p.port}/status/404`]) },
  { name: '500', parent: true, reachesServer: true, responds: true, run: (http, p) => call(http, [`http://127.0.0.1:${p.port}/status/500`]) },
  { name: 'connection refused', parent: true, expectError: 'Error', run: (http, p) => call(http, [`http://127.0.0.1:${p.closedPort}/nobody`]) },
  { name: 'reset before the response', reachesServer: true, expectError: 'Error', run: (http, p) => call(http, [`http://127.0.0.1:${p.port}/reset`]) },
  { name: 'reset in the middle of the body', reachesServer: true, responds: true, expectError: 'Error', cutShort: true, run: (http, p) => call(http, [`http://127.0.0.1:${p.port}/midbody`]) },
  {
    name: 'node:https (self-signed certificate)',
    parent: true,
    reachesServer: true,
    responds: true,
    run: (_http, p, https) => call(https as unknown as typeof Http, [{ host: '127.0.0.1', port: tlsPort, path: '/secure?sig=x', rejectUnauthorized: false }]).then(() => {
      p.lastTraceparent = tlsTraceparent;
    }),
  },
  { name: 'aborted before the response (AbortSignal)', reachesServer: true, expectError: 'AbortError', run: (http, p) => call(http, [`http://127.0.0.1:${p.port}/slow`], undefined, 50) },
];

interface Observed {
  spans: ClientShape[];
  /** The duration points this case added: series → count. */
  added: Map<string, number>;
  parentSpanId: string | undefined;
  traceparent: string | undefined;
  callbackSpan: string | undefined;
}

/**
 * instrumentation-http's client hooks and header capture, given to both alike: what each hook
 * sees and when is written onto the span.
 */
const HOOKS: HttpClientInstrumentationOptions = {
  // What both hand the start hook (instrumentation-http: the parsed options of http.request();
  // ours: the same fields rebuilt from the request), and a conventions key replaced (the metric follows).
  startOutgoingSpanHook: (o) => ({
    'app.start_hook': `${o.method ?? 'GET'} ${o.protocol ?? 'http:'}//${o.hostname ?? o.host}:${String(o.port)}${o.path}`,
    'server.address': `via-hook-${o.hostname ?? o.host}`,
  }),
  requestHook: (span, req) => {
    span.setAttribute('app.request_hook', `${req.method} ${req.path} sent=${req.headersSent} active=${trace.getActiveSpan() === span}`);
  },
  responseHook: (span, res) => {
    span.setAttribute('app.response_hook', `status=${res.statusCode} complete=${res.complete}`);
  },
  applyCustomAttributesOnSpan: (span, req, res) => {
    span.setAttribute('app.custom', `${req.method} ${req.path} ${res.statusCode} complete=${res.complete}`);
  },
  headersToSpanAttributes: { client: { requestHeaders: ['User-Agent', 'x-absent', 'content-type'], responseHeaders: ['Content-Type', 'x-absent', 'content-length'] } },
};
const HOOK_CASES = CASES.filter((c) => ['GET, options object, inside a parent span', 'POST with a body and a user agent, 201', '404 is an error for a client', 'connection refused', 'HEAD'].includes(c.name));

for (const [suite, options, cases] of [['', {}, CASES], [', with hooks and header capture', HOOKS, HOOK_CASES]] as const) describe(`parity with @opentelemetry/instrumentation-http (client spans and http.client.request.duration)${suite}`, function () {
  this.timeout(30_000);
  let restore: () => void;
  let ours: HttpClientInstrumentation;
  let upstream: UpstreamHttpInstrumentation;
  let oursSide: Side;
  let upstreamSide: Side;
  let peer: Peer;
  let http: typeof Http;
  let https: typeof Https;
  let tlsServer: Https.Server;

  before(async () => {
    restore = installGlobals();
    oursSide = makeSide();
    upstreamSide = makeSide();
    ours = new HttpClientInstrumentation({ tracerProvider: oursSide.tracing, meterProvider: oursSide.meters, ...options });
    upstream = new UpstreamHttpInstrumentation({ disableIncomingRequestInstrumentation: true, ...(options as object) });
    upstream.setTracerProvider(upstreamSide.tracing);
    upstream.setMeterProvider(upstreamSide.meters);
    upstream.enable();
    // Required after upstream is enabled, so that require-in-the-middle patches it.
    http = createRequire(import.meta.url)('node:http') as typeof Http;
    https = createRequire(import.meta.url)('node:https') as typeof Https;
    peer = await startPeer();
    // A TLS peer with a certificate made by the openssl CLI for this run.
    const dir = mkdtempSync(join(tmpdir(), 'otelkit-client-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '1', '-subj', '/CN=localhost'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    tlsServer = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
      tlsTraceparent = req.headers.traceparent as string | undefined;
      res.end('secure');
    });
    rmSync(dir, { recursive: true, force: true });
    await new Promise<void>((r) => tlsServer.listen(0, '127.0.0.1', r));
    tlsPort = (tlsServer.address() as { port: number }).port;
  });

  after(async () => {
    tlsServer?.closeAllConnections();
    await new Promise((r) => tlsServer?.close(r));
    await peer?.close();
    upstream?.disable();
    ours?.disable();
    restore?.();
  });

  async function observe(which: 'ours' | 'upstream', c: Case): Promise<Observed> {
    const { side, before } = await switchTo(which, { ours, upstream }, { ours: oursSide, upstream: upstreamSide });
    peer.lastTraceparent = undefined;
    callbackSpan = undefined;
    let parentSpanId: string | undefined;
    if (c.parent) {
      const r = withParent(side, () => c.run(http, peer, https));
      parentSpanId = r.parentSpanId;
      await r.result;
    } else {
      await c.run(http, peer, https);
    }
    const spans = (await clientSpans(side)).filter((s) => s.name !== 'parent');
    const after = countsBySeries(await durationPoints(side));
    const added = addedSince(before, after);
    return { spans, added, parentSpanId, traceparent: peer.lastTraceparent, callbackSpan };
  }

  for (const c of cases) {
    it(c.name, async () => {
      const up = await observe('upstream', c);
      const me = await observe('ours', c);
      expect(up.spans, 'upstream: one client span').to.have.length(1);
      expect(me.spans, 'ours: one client span').to.have.length(1);
      const [u, m] = [up.spans[0]!, me.spans[0]!];
      expect(m.name).to.equal(u.name);
      expect(m.kind).to.equal(u.kind).and.equal(2);
      if (c.cutShort) {
        expect(m.attributes['error.type']).to.equal('Error');
        expect(m.status).to.deep.equal({ code: 2, message: 'aborted' });
        expect(m.events).to.deep.equal(['exception']);
        expect(u.status).to.deep.equal({ code: 0 });
        expect({ ...m.attributes, 'error.type': undefined }).to.deep.equal({ ...u.attributes, 'error.type': undefined });
      } else {
        expect(m.attributes).to.deep.equal(u.attributes);
        expect(m.status).to.deep.equal(u.status);
        expect(m.events).to.deep.equal(u.events);
      }
      // Parent: the active span where the request was made, else a root.
      expect(m.parentSpanId).to.equal(me.parentSpanId);
      expect(u.parentSpanId).to.equal(up.parentSpanId);
      // The response callback runs in the caller's context, not the client span's (as upstream).
      if (c.responds) {
        expect(me.callbackSpan).to.equal(me.parentSpanId);
        expect(up.callbackSpan).to.equal(up.parentSpanId);
      }
      if (c.reachesServer) {
        // The server got the client span's context.
        expect(me.traceparent).to.equal(`00-${m.traceId}-${m.spanId}-01`);
        expect(up.traceparent).to.equal(`00-${u.traceId}-${u.spanId}-01`);
      }
      if (c.expectError !== undefined) expect(m.attributes['error.type']).to.equal(c.expectError);
      if (options === HOOKS) {
        // The hooks ran, and saw what their names promise.
        expect(m.attributes['app.request_hook']).to.match(/ sent=false active=true$/);
        expect(m.attributes['app.start_hook']).to.match(/^(GET|POST|HEAD) http:\/\/127\.0\.0\.1:\d+\//);
        expect(m.attributes['server.address']).to.equal('via-hook-127.0.0.1');
        if (c.responds) {
          expect(m.attributes['app.response_hook']).to.match(/^status=\d+ complete=false$/);
          expect(m.attributes['app.custom']).to.match(/ complete=true$/);
          if (c.name !== 'HEAD') expect(m.attributes['http.response.header.content-length']).to.be.an('array').with.length(1);
          if (c.name.startsWith('POST')) expect(m.attributes['http.request.header.user-agent']).to.deep.equal(['parity/1.0']);
        } else expect(m.attributes['app.custom']).to.equal(undefined);
      }
      if (c.name.includes('redacted')) expect(m.attributes['url.full']).to.equal(`http://127.0.0.1:${peer.port}/s?q=a+b&sig=REDACTED&x=1`);
      if (c.name.startsWith('node:https')) expect(m.attributes['url.full']).to.equal(`https://127.0.0.1:${tlsPort}/secure?sig=REDACTED`);
      // One observation each, in the same series (the cut-short one: plus error.type on ours).
      expect([...me.added.values()]).to.deep.equal([1]);
      const series = (k: string) => JSON.parse(k) as Record<string, unknown>;
      const [mk, uk] = [[...me.added.keys()][0]!, [...up.added.keys()][0]!];
      expect(series(mk)).to.deep.equal(c.cutShort ? { 'error.type': 'Error', ...series(uk) } : series(uk));
    });
  }

  it('ends with as many duration series as upstream', async () => {
    const points = await durationPoints(oursSide);
    expect(points.length).to.be.greaterThan(cases.length > 8 ? 8 : 3);
    // The cut-short case adds a series with error.type on ours (the deviation above).
    expect(points.length).to.equal((await durationPoints(upstreamSide)).length + (cases.some((c) => c.cutShort) ? 1 : 0));
  });
});
