import { expect } from 'chai';
import { context, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { HttpInstrumentation as UpstreamHttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation as UpstreamUndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { createRequire } from 'node:module';
import type * as Http from 'node:http';
import { HttpClientInstrumentation, HttpInstrumentation, UndiciInstrumentation } from '../src/index.js';
import { addedSince, countsBySeries, durationPoints, installGlobals, makeSide, type Peer, type Side, startPeer, switchTo, withParent } from './client-harness.js';

/**
 * "Require a parent" options, against the upstream instrumentations with the same option on the
 * same requests: which spans exist, what reaches the server as `traceparent`, and one duration
 * observation in the same series either way (upstream records the metric without a span too).
 * node:http client: instrumentation-http's `requireParentforOutgoingSpans`; fetch:
 * instrumentation-undici's `requireParentforSpans` (ours: `requireParentforOutgoingSpans`);
 * server: instrumentation-http's `requireParentforIncomingSpans`.
 */

const REMOTE_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const REMOTE_SPAN = '00f067aa0ba902b7';
const remoteParent = () => trace.setSpanContext(ROOT_CONTEXT, { traceId: REMOTE_TRACE, spanId: REMOTE_SPAN, traceFlags: TraceFlags.SAMPLED, isRemote: true });

type Parent = 'none' | 'local' | 'remote';

interface Seen {
  spans: { parentSpanId: string | undefined; traceId: string; spanId: string }[];
  traceparent: string | undefined;
  added: Map<string, number>;
  localParentId: string | undefined;
}

for (const client of ['node:http', 'fetch'] as const) {
  describe(`requireParentforOutgoingSpans (${client}), against ${client === 'node:http' ? 'instrumentation-http' : 'instrumentation-undici'}`, function () {
    this.timeout(30_000);
    let restore: () => void;
    let ours: HttpClientInstrumentation | UndiciInstrumentation;
    let upstream: UpstreamHttpInstrumentation | UpstreamUndiciInstrumentation;
    let oursSide: Side;
    let upstreamSide: Side;
    let peer: Peer;
    let http: typeof Http;

    before(async () => {
      restore = installGlobals();
      oursSide = makeSide();
      upstreamSide = makeSide();
      if (client === 'node:http') {
        ours = new HttpClientInstrumentation({ tracerProvider: oursSide.tracing, meterProvider: oursSide.meters, requireParentforOutgoingSpans: true });
        upstream = new UpstreamHttpInstrumentation({ disableIncomingRequestInstrumentation: true, requireParentforOutgoingSpans: true });
      } else {
        ours = new UndiciInstrumentation({ tracerProvider: oursSide.tracing, meterProvider: oursSide.meters, requireParentforOutgoingSpans: true });
        upstream = new UpstreamUndiciInstrumentation({ requireParentforSpans: true });
      }
      upstream.setTracerProvider(upstreamSide.tracing);
      upstream.setMeterProvider(upstreamSide.meters);
      upstream.enable();
      http = createRequire(import.meta.url)('node:http') as typeof Http;
      peer = await startPeer();
    });

    after(async () => {
      await peer?.close();
      upstream?.disable();
      ours?.disable();
      restore?.();
    });

    const request = (): Promise<void> =>
      client === 'fetch'
        ? fetch(`http://127.0.0.1:${peer.port}/orders/1`).then((r) => r.arrayBuffer().then(() => undefined))
        : new Promise((resolve, reject) => {
            http.get(`http://127.0.0.1:${peer.port}/orders/1`, (res) => {
              res.resume();
              res.on('end', () => setTimeout(resolve, 10));
            }).on('error', reject);
          });

    async function observe(which: 'ours' | 'upstream', parent: Parent): Promise<Seen> {
      const { side, before } = await switchTo(which, { ours, upstream }, { ours: oursSide, upstream: upstreamSide });
      peer.lastTraceparent = undefined;
      let localParentId: string | undefined;
      if (parent === 'local') {
        const r = withParent(side, request);
        localParentId = r.parentSpanId;
        await r.result;
      } else if (parent === 'remote') {
        await context.with(remoteParent(), request);
      } else {
        await request();
      }
      // No span may come: wait for the duration instead (recorded when the response ends).
      const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
      for (let i = 0; i < 100 && total(countsBySeries(await durationPoints(side))) === total(before); i++) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 30));
      const spans = side.exporter.getFinishedSpans().filter((s) => s.kind === 2).map((s) => ({ parentSpanId: s.parentSpanContext?.spanId, traceId: s.spanContext().traceId, spanId: s.spanContext().spanId }));
      const after = countsBySeries(await durationPoints(side));
      const added = addedSince(before, after);
      return { spans, traceparent: peer.lastTraceparent, added, localParentId };
    }

    const expectSameMetric = (me: Seen, up: Seen) => {
      expect([...me.added.values()], 'ours: one duration observation').to.deep.equal([1]);
      expect([...me.added.keys()]).to.deep.equal([...up.added.keys()]);
    };

    it('no parent span: no client span, no traceparent sent, the duration recorded', async () => {
      const up = await observe('upstream', 'none');
      const me = await observe('ours', 'none');
      expect(up.spans).to.have.length(0);
      expect(me.spans).to.have.length(0);
      expect(up.traceparent).to.equal(undefined);
      expect(me.traceparent).to.equal(undefined);
      expectSameMetric(me, up);
    });

    it('a local parent span: a client span, its child, whose context is sent', async () => {
      const up = await observe('upstream', 'local');
      const me = await observe('ours', 'local');
      expect(up.spans).to.have.length(1);
      expect(me.spans).to.have.length(1);
      expect(me.spans[0]!.parentSpanId).to.equal(me.localParentId);
      expect(me.traceparent).to.equal(`00-${me.spans[0]!.traceId}-${me.spans[0]!.spanId}-01`);
      expect(up.traceparent).to.equal(`00-${up.spans[0]!.traceId}-${up.spans[0]!.spanId}-01`);
      expectSameMetric(me, up);
    });

    it(`a remote parent only: ${client === 'node:http' ? 'no client span, the remote parent\'s context sent' : 'a child span of the remote parent'}`, async () => {
      const up = await observe('upstream', 'remote');
      const me = await observe('ours', 'remote');
      expect(me.spans.length).to.equal(up.spans.length).and.equal(client === 'node:http' ? 0 : 1);
      if (client === 'node:http') {
        expect(up.traceparent).to.equal(`00-${REMOTE_TRACE}-${REMOTE_SPAN}-01`);
        expect(me.traceparent).to.equal(`00-${REMOTE_TRACE}-${REMOTE_SPAN}-01`);
      } else {
        for (const s of [...me.spans, ...up.spans]) expect(s).to.include({ traceId: REMOTE_TRACE, parentSpanId: REMOTE_SPAN });
        expect(me.traceparent).to.equal(`00-${REMOTE_TRACE}-${me.spans[0]!.spanId}-01`);
      }
      expectSameMetric(me, up);
    });
  });
}

describe('requireParentforIncomingSpans, against instrumentation-http', function () {
  this.timeout(30_000);
  let restore: () => void;
  let ours: HttpInstrumentation;
  let upstream: UpstreamHttpInstrumentation;
  let oursSide: Side;
  let upstreamSide: Side;
  let server: Http.Server;
  let port: number;
  type HandlerSpan = { traceId: string; spanId: string; recording: boolean };
  let handlerSpan: HandlerSpan | undefined;
  let current: Side;

  before(async () => {
    restore = installGlobals();
    oursSide = makeSide();
    upstreamSide = makeSide();
    ours = new HttpInstrumentation({ tracerProvider: oursSide.tracing, meterProvider: oursSide.meters, requireParentforIncomingSpans: true });
    upstream = new UpstreamHttpInstrumentation({ disableOutgoingRequestInstrumentation: true, requireParentforIncomingSpans: true });
    upstream.setTracerProvider(upstreamSide.tracing);
    upstream.setMeterProvider(upstreamSide.meters);
    upstream.enable();
    const http = createRequire(import.meta.url)('node:http') as typeof Http;
    server = http.createServer((_req, res) => {
      const active = trace.getSpan(context.active());
      handlerSpan = active === undefined ? undefined : { ...active.spanContext(), recording: active.isRecording() };
      // A span the handler starts: its parent is whatever stands in for the server span.
      current.tracing.getTracer('handler').startSpan('child').end();
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });

  after(async () => {
    await new Promise((r) => server?.close(r));
    upstream?.disable();
    ours?.disable();
    restore?.();
  });

  async function observe(which: 'ours' | 'upstream', traceparent: boolean) {
    if (which === 'ours') {
      upstream.disable();
      ours.enable();
    } else {
      ours.disable();
      upstream.enable();
    }
    current = which === 'ours' ? oursSide : upstreamSide;
    current.exporter.reset();
    const before = countsBySeries(await serverPoints(current));
    handlerSpan = undefined;
    const res = await fetch(`http://127.0.0.1:${port}/orders`, { headers: traceparent ? { traceparent: `00-${REMOTE_TRACE}-${REMOTE_SPAN}-01` } : {} });
    await res.arrayBuffer();
    await new Promise((r) => setTimeout(r, 50));
    const spans = current.exporter.getFinishedSpans();
    const after = countsBySeries(await serverPoints(current));
    const added = [...after].filter(([k, n]) => n !== (before.get(k) ?? 0)).map(([k, n]) => [k, n - (before.get(k) ?? 0)] as const);
    // Set by the server's handler (TypeScript cannot see that through the request above).
    const handler = handlerSpan as HandlerSpan | undefined;
    return { server: spans.filter((s) => s.kind === 1), child: spans.find((s) => s.name === 'child'), handler, added };
  }

  for (const traceparent of [false, true]) {
    it(`${traceparent ? 'a traceparent: the remote parent stands in' : 'no traceparent: a non-recording span stands in'}; no server span, the duration recorded`, async () => {
      const up = await observe('upstream', traceparent);
      const me = await observe('ours', traceparent);
      expect(up.server).to.have.length(0);
      expect(me.server).to.have.length(0);
      expect(me.handler?.recording).to.equal(false);
      expect(me.handler).to.deep.equal(up.handler);
      if (traceparent) {
        expect(me.handler).to.include({ traceId: REMOTE_TRACE, spanId: REMOTE_SPAN });
        expect(me.child?.parentSpanContext?.spanId).to.equal(REMOTE_SPAN);
        expect(up.child?.parentSpanContext?.spanId).to.equal(REMOTE_SPAN);
      } else {
        // The stand-in has invalid ids: the handler's span is a new root.
        expect(me.child?.parentSpanContext).to.equal(undefined);
        expect(up.child?.parentSpanContext).to.equal(undefined);
      }
      expect(me.added.map(([, n]) => n)).to.deep.equal([1]);
      expect(me.added.map(([k]) => k)).to.deep.equal(up.added.map(([k]) => k));
    });
  }
});

async function serverPoints(side: Side) {
  const { MetricProducer } = await import('@otelkit/metrics');
  const collected = await new MetricProducer(side.meters.store).collect();
  const points: { attributes: Record<string, unknown>; count: number }[] = [];
  for (const sm of collected.resourceMetrics.scopeMetrics)
    for (const m of sm.metrics)
      if (m.descriptor.name === 'http.server.request.duration')
        for (const dp of m.dataPoints) points.push({ attributes: Object.fromEntries(Object.entries(dp.attributes).sort(([a], [b]) => (a < b ? -1 : 1))), count: (dp.value as { count: number }).count });
  return points;
}
