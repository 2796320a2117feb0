import { expect } from 'chai';
import type { Attributes } from '@opentelemetry/api';
import { UndiciInstrumentation as UpstreamUndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { UndiciInstrumentation, type UndiciInstrumentationOptions } from '../src/index.js';
import { addedSince, type ClientShape, clientSpans, countsBySeries, durationPoints, installGlobals, makeSide, type Peer, type Side, startPeer, switchTo, withParent } from './client-harness.js';

/**
 * The same global fetch() calls (Node's bundled undici) made once under
 * @opentelemetry/instrumentation-undici 0.34 and once under UndiciInstrumentation, against a real
 * loopback server: span name, kind, attributes, status, events, parent, the traceparent the server
 * received and the series of http.client.request.duration must be equal — after applying to
 * upstream's attributes the documented deviations toward the semantic conventions (`semconv()`).
 */

interface Case {
  name: string;
  run(p: Peer): Promise<void>;
  parent?: boolean;
  reachesServer?: boolean;
  expectError?: string;
}

async function get(url: string, init?: RequestInit): Promise<void> {
  try {
    const res = await fetch(url, init);
    await res.arrayBuffer();
  } catch {
    // the error cases: the span says it
  }
}

const CASES: Case[] = [
  { name: 'GET inside a parent span', parent: true, reachesServer: true, run: (p) => get(`http://127.0.0.1:${p.port}/orders?id=7`) },
  { name: 'GET, localhost, no parent', reachesServer: true, run: (p) => get(`http://localhost:${p.port}/items/3`) },
  { name: 'query with a redacted parameter', reachesServer: true, run: (p) => get(`http://127.0.0.1:${p.port}/s?q=a%20b&sig=secret&x=1`) },
  { name: 'empty query', reachesServer: true, run: (p) => get(`http://127.0.0.1:${p.port}/empty?`) },
  {
    name: 'POST with a body and a user agent, 201',
    parent: true,
    reachesServer: true,
    run: (p) => get(`http://127.0.0.1:${p.port}/items`, { method: 'POST', body: '{"a":1}', headers: { 'user-agent': 'parity/1.0', 'content-type': 'application/json' } }),
  },
  // fetch() sends `patch` as is; Node's server rejects the lower-case method with a 400 before any handler.
  { name: 'lower-case method (http.request.method_original)', run: (p) => get(`http://127.0.0.1:${p.port}/p`, { method: 'patch', body: 'x' }) },
  { name: 'HEAD', reachesServer: true, run: (p) => get(`http://127.0.0.1:${p.port}/h`, { method: 'HEAD' }) },
  { name: '404 is an error for a client', reachesServer: true, run: (p) => get(`http://127.0.0.1:${p.port}/status/404`) },
  { name: '500', parent: true, reachesServer: true, run: (p) => get(`http://127.0.0.1:${p.port}/status/500`) },
  { name: 'connection refused', parent: true, expectError: 'ECONNREFUSED', run: (p) => get(`http://127.0.0.1:${p.closedPort}/nobody`) },
  { name: 'reset before the response', reachesServer: true, expectError: 'UND_ERR_SOCKET', run: (p) => get(`http://127.0.0.1:${p.port}/reset`) },
  { name: 'reset in the middle of the body', reachesServer: true, expectError: 'UND_ERR_SOCKET', run: (p) => get(`http://127.0.0.1:${p.port}/midbody`) },
  {
    name: 'aborted before the response (AbortController)',
    reachesServer: true,
    run: (p) => {
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 50);
      return get(`http://127.0.0.1:${p.port}/slow`, { signal: ac.signal });
    },
  },
  // **Deviation**: instrumentation-undici takes `error.code || error.name`: a DOMException's numeric
  // code (23 for a TimeoutError). error.type is a string (semconv): otelkit falls back to the name.
  { name: 'timed out (AbortSignal.timeout)', reachesServer: true, expectError: 'TimeoutError', run: (p) => get(`http://127.0.0.1:${p.port}/slow`, { signal: AbortSignal.timeout(50) }) },
];

/**
 * instrumentation-undici's attributes with otelkit's documented deviations applied (README,
 * "Differences"): `http.request.method_original` only when it differs, `url.query` without the
 * `?` and absent when empty, sensitive query values REDACTED in `url.full` and `url.query`.
 */
function semconv(a: Attributes): Attributes {
  const out: Attributes = { ...a };
  if (out['http.request.method_original'] === out['http.request.method']) delete out['http.request.method_original'];
  const q = out['url.query'];
  if (typeof q === 'string') {
    if (q === '' || q === '?') delete out['url.query'];
    else out['url.query'] = redacted(q.replace(/^\?/, ''));
  }
  const full = out['url.full'];
  if (typeof full === 'string' && full.includes('?')) out['url.full'] = `${full.slice(0, full.indexOf('?'))}?${redacted(full.slice(full.indexOf('?') + 1))}`;
  // A DOMException's numeric code as error.type: the name it stands for.
  if (out['error.type'] === 23) out['error.type'] = 'TimeoutError';
  return out;
}

/** A query with `sig` redacted the way instrumentation-http does it (URLSearchParams re-serialization). */
function redacted(query: string): string {
  if (!query.includes('sig=')) return query;
  const params = new URLSearchParams(query);
  params.set('sig', 'REDACTED');
  return params.toString();
}

interface Observed {
  spans: ClientShape[];
  added: Map<string, number>;
  parentSpanId: string | undefined;
  traceparent: string | undefined;
}

/**
 * instrumentation-undici's hooks and header capture, given to both alike: what each hook sees is
 * written onto the span, and the start hook replaces a conventions key (the metric follows).
 */
const HOOKS: UndiciInstrumentationOptions = {
  startSpanHook: (request) => ({ 'app.start_hook': `${request.method} ${request.path}`, 'server.address': 'via-hook' }),
  requestHook: (span, request) => span.setAttribute('app.request_hook', `${request.method} ${String(request.origin)}`),
  responseHook: (span, { response }) => span.setAttribute('app.response_hook', `status=${response.statusCode}`),
  headersToSpanAttributes: { requestHeaders: ['User-Agent', 'content-type', 'x-absent'], responseHeaders: ['Content-Type', 'content-length', 'x-absent'] },
};
const HOOK_CASES = CASES.filter((c) => ['GET inside a parent span', 'POST with a body and a user agent, 201', '404 is an error for a client', 'connection refused', 'HEAD'].includes(c.name));

for (const [suite, options, cases] of [['', {}, CASES], [', with hooks and header capture', HOOKS, HOOK_CASES]] as const) describe(`parity with @opentelemetry/instrumentation-undici (fetch client spans and http.client.request.duration)${suite}`, function () {
  this.timeout(30_000);
  let restore: () => void;
  let ours: UndiciInstrumentation;
  let upstream: UpstreamUndiciInstrumentation;
  let oursSide: Side;
  let upstreamSide: Side;
  let peer: Peer;

  before(async () => {
    restore = installGlobals();
    oursSide = makeSide();
    upstreamSide = makeSide();
    ours = new UndiciInstrumentation({ tracerProvider: oursSide.tracing, meterProvider: oursSide.meters, ...options });
    upstream = new UpstreamUndiciInstrumentation(options as ConstructorParameters<typeof UpstreamUndiciInstrumentation>[0]);
    upstream.setTracerProvider(upstreamSide.tracing);
    upstream.setMeterProvider(upstreamSide.meters);
    upstream.disable();
    peer = await startPeer();
  });

  after(async () => {
    await peer?.close();
    upstream?.disable();
    ours?.disable();
    restore?.();
  });

  async function observe(which: 'ours' | 'upstream', c: Case): Promise<Observed> {
    const { side, before } = await switchTo(which, { ours, upstream }, { ours: oursSide, upstream: upstreamSide });
    peer.lastTraceparent = undefined;
    let parentSpanId: string | undefined;
    if (c.parent) {
      const r = withParent(side, () => c.run(peer));
      parentSpanId = r.parentSpanId;
      await r.result;
    } else {
      await c.run(peer);
    }
    const spans = (await clientSpans(side)).filter((s) => s.name !== 'parent');
    const after = countsBySeries(await durationPoints(side));
    const added = addedSince(before, after);
    return { spans, added, parentSpanId, traceparent: peer.lastTraceparent };
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
      // The client's ephemeral port is not an attribute; the peer is the server: same port on both.
      expect(m.attributes).to.deep.equal(semconv(u.attributes));
      expect(m.status).to.deep.equal(u.status);
      expect(m.events).to.deep.equal(u.events);
      expect(m.parentSpanId).to.equal(me.parentSpanId);
      expect(u.parentSpanId).to.equal(up.parentSpanId);
      if (c.reachesServer) {
        expect(me.traceparent).to.equal(`00-${m.traceId}-${m.spanId}-01`);
        expect(up.traceparent).to.equal(`00-${u.traceId}-${u.spanId}-01`);
      }
      if (c.expectError !== undefined) expect(m.attributes['error.type']).to.equal(c.expectError);
      if (c.name.includes('redacted')) expect(m.attributes['url.query']).to.equal('q=a+b&sig=REDACTED&x=1');
      if (c.name.startsWith('lower-case')) expect(m.attributes['http.request.method_original']).to.equal('patch');
      if (options === HOOKS) {
        // The hooks ran, and saw what their names promise.
        expect(m.attributes['app.start_hook']).to.match(/^(GET|POST|HEAD) \//);
        expect(m.attributes['server.address']).to.equal('via-hook');
        expect(m.attributes['app.request_hook']).to.match(/^(GET|POST|HEAD) http:\/\/127\.0\.0\.1:\d+$/);
        if (c.reachesServer) {
          expect(m.attributes['app.response_hook']).to.match(/^status=\d+$/);
          if (c.name !== 'HEAD') expect(m.attributes['http.response.header.content-length']).to.be.an('array').with.length(1);
        }
        if (c.name.startsWith('POST')) expect(m.attributes['http.request.header.user-agent']).to.deep.equal(['parity/1.0']);
      }
      expect([...me.added.values()]).to.deep.equal([1]);
      expect([...me.added.keys()]).to.deep.equal([...up.added.keys()].map((k) => k.replace('"error.type":23', '"error.type":"TimeoutError"')));
    });
  }

  it('ends with as many duration series as upstream', async () => {
    const points = await durationPoints(oursSide);
    expect(points.length).to.be.greaterThan(cases.length > 8 ? 8 : 3);
    expect(points.length).to.equal((await durationPoints(upstreamSide)).length);
  });
});
