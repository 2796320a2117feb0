import { context, propagation, trace, type Attributes, type Context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { MeterProvider, MetricProducer } from '@otelkit/metrics';
import type * as Http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';

/** A loopback peer for the client parity tests: answers by path, remembers the traceparent it got. */
export interface Peer {
  port: number;
  /** A port nothing listens on (a server was bound there and closed). */
  closedPort: number;
  /** The traceparent header of the last request that reached the server. */
  lastTraceparent: string | undefined;
  close(): Promise<void>;
}

export async function startPeer(): Promise<Peer> {
  const http = createRequire(import.meta.url)('node:http') as typeof Http;
  const peer = { lastTraceparent: undefined as string | undefined } as Peer;
  const server = http.createServer((req, res) => {
    peer.lastTraceparent = req.headers.traceparent as string | undefined;
    const url = req.url ?? '/';
    if (url.startsWith('/reset')) return void req.socket.destroy();
    if (url.startsWith('/midbody')) {
      res.writeHead(200, { 'content-length': 100 });
      res.write('partial');
      setTimeout(() => req.socket.destroy(), 20);
      return;
    }
    if (url.startsWith('/slow')) return void setTimeout(() => res.end('late'), 300).unref();
    const status = /^\/status\/(\d+)/.exec(url)?.[1];
    req.resume();
    req.on('end', () => {
      res.statusCode = status !== undefined ? Number(status) : req.method === 'POST' ? 201 : 200;
      res.end(req.method === 'HEAD' ? undefined : 'ok');
    });
  });
  server.keepAliveTimeout = 500;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const spare = http.createServer();
  await new Promise<void>((r) => spare.listen(0, '127.0.0.1', r));
  const closedPort = (spare.address() as AddressInfo).port;
  await new Promise((r) => spare.close(r));
  peer.port = (server.address() as AddressInfo).port;
  peer.closedPort = closedPort;
  peer.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return peer;
}

/** One side of a parity test: its own TracerProvider and MeterProvider. */
export interface Side {
  readonly exporter: InMemorySpanExporter;
  readonly tracing: TracerProvider;
  readonly meters: MeterProvider;
}

export function makeSide(): Side {
  const exporter = new InMemorySpanExporter();
  return {
    exporter,
    tracing: new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }),
    meters: new MeterProvider({ exemplarFilter: 'always_off' }),
  };
}

export function installGlobals(): () => void {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  return () => {
    context.disable();
    propagation.disable();
  };
}

export interface ClientShape {
  name: string;
  kind: number;
  attributes: Attributes;
  status: unknown;
  events: string[];
  parentSpanId: string | undefined;
  traceId: string;
  spanId: string;
}

export function shape(s: ReadableSpan): ClientShape {
  return {
    name: s.name,
    kind: s.kind,
    attributes: s.attributes,
    status: s.status,
    events: s.events.map((e) => e.name),
    parentSpanId: s.parentSpanContext?.spanId,
    traceId: s.spanContext().traceId,
    spanId: s.spanContext().spanId,
  };
}

/** Waits (bounded) for a CLIENT span to end. */
export async function clientSpans(side: Side): Promise<ClientShape[]> {
  for (let i = 0; i < 200 && side.exporter.getFinishedSpans().filter((s) => s.kind === 2).length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 20));
  return side.exporter.getFinishedSpans().filter((s) => s.kind === 2).map(shape);
}

/** The data points of `http.client.request.duration`: attributes and count. */
export async function durationPoints(side: Side): Promise<{ attributes: Attributes; count: number }[]> {
  const collected = await new MetricProducer(side.meters.store).collect();
  const points: { attributes: Attributes; count: number }[] = [];
  for (const sm of collected.resourceMetrics.scopeMetrics)
    for (const m of sm.metrics)
      if (m.descriptor.name === 'http.client.request.duration') for (const dp of m.dataPoints) points.push({ attributes: sorted(dp.attributes), count: (dp.value as { count: number }).count });
  return points;
}

export function sorted(a: Attributes): Attributes {
  return Object.fromEntries(Object.entries(a).sort(([x], [y]) => (x < y ? -1 : 1)));
}

/** Runs `fn` in a context with an active parent span of `side`'s provider; returns the parent's id. */
export function withParent<T>(side: Side, fn: () => T): { result: T; parentSpanId: string; ctx: Context } {
  const parent = side.tracing.getTracer('test').startSpan('parent');
  const ctx = trace.setSpan(context.active(), parent);
  const result = context.with(ctx, fn);
  parent.end();
  return { result, parentSpanId: parent.spanContext().spanId, ctx };
}

/** An instrumentation a parity test turns on and off (otelkit's or upstream's). */
export interface Switchable {
  enable(): void;
  disable(): void;
}

/**
 * Makes `which` the only active instrumentation (the other one off, so a request is seen once),
 * clears its side's exported spans and returns that side with its duration counts by series
 * before the request (compared with {@link countsBySeries} after it).
 */
export async function switchTo(
  which: 'ours' | 'upstream',
  instrumentations: { readonly ours: Switchable; readonly upstream: Switchable },
  sides: { readonly ours: Side; readonly upstream: Side },
): Promise<{ side: Side; before: Map<string, number> }> {
  instrumentations[which === 'ours' ? 'upstream' : 'ours'].disable();
  instrumentations[which].enable();
  const side = sides[which];
  side.exporter.reset();
  return { side, before: countsBySeries(await durationPoints(side)) };
}

/** The series whose count changed from `before` to `after` ({@link countsBySeries}), with the change. */
export function addedSince(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>): Map<string, number> {
  const added = new Map<string, number>();
  for (const [k, n] of after) if (n !== (before.get(k) ?? 0)) added.set(k, n - (before.get(k) ?? 0));
  return added;
}

/** Duration data points by series (attributes as JSON) → count. */
export function countsBySeries(points: { attributes: unknown; count: number }[]): Map<string, number> {
  return new Map(points.map((p) => [JSON.stringify(p.attributes), p.count]));
}
