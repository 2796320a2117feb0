import { expect } from 'chai';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { MeterProvider, MetricProducer } from '@otelkit/metrics';
import { OTLPMetricExporter, OTLPTraceExporter, resolveOtlpOptions } from '@otelkit/otlp';
import { otlpToFileCollectorConfig, startCollector, waitFor, type RunningCollector } from '@otelkit/testkit';

// gzip on OTLP against the real Collector, for OTLP/HTTP (Content-Encoding: gzip) and OTLP/gRPC
// (grpc-encoding gzip, compressed message flag), metrics and traces, set by the standard
// variables (generic and per signal). Between exporter and Collector sits a loopback TCP relay
// that counts the bytes the exporter sends: gzip must shrink them (the payload repeats long
// attribute values), and the Collector must decode every series / span of both requests.
const CONFIG = otlpToFileCollectorConfig(['grpc', 'http'], { traces: true });

/** A TCP relay to `target` that counts the bytes clients send and keeps the first bytes of each connection. */
interface Relay {
  readonly port: number;
  /** Bytes sent by clients since the last {@link take}; resets the count. */
  take(): { bytes: number; head: string };
  close(): Promise<void>;
}

async function startRelay(target: string): Promise<Relay> {
  const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
  let bytes = 0;
  let head = '';
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(port, host);
    sockets.add(client).add(upstream);
    client.on('data', (c: Buffer) => {
      bytes += c.length;
      if (head.length < 4096) head += c.toString('latin1', 0, Math.min(c.length, 4096));
    });
    client.pipe(upstream).on('error', () => client.destroy());
    upstream.pipe(client).on('error', () => upstream.destroy());
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    take: () => {
      const r = { bytes, head };
      bytes = 0;
      head = '';
      return r;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

const SERIES = 300;

describe('gzip on OTLP/HTTP and OTLP/gRPC to the real Collector', function () {
  this.timeout(120_000);
  let collector: RunningCollector;
  let httpRelay: Relay;
  let grpcRelay: Relay;

  before(async function () {
    this.timeout(900_000); // the first run may build the collector
    collector = await startCollector({ configYaml: CONFIG });
    httpRelay = await startRelay(collector.otlpHttpUrl.replace(/^http:\/\//, ''));
    grpcRelay = await startRelay(collector.otlpGrpcEndpoint);
  });
  after(async () => {
    await httpRelay?.close();
    await grpcRelay?.close();
    await collector?.stop();
  });

  const metricsMarked = async (marker: string) => {
    const mp = new MeterProvider();
    const c = mp.getMeter('gzip').createCounter('http.server.requests');
    for (let i = 0; i < SERIES; i++) c.add(i + 1, { 'url.template': `/api/v1/customers/{customerId}/orders/{orderId}/items/${i}`, marker });
    return (await new MetricProducer(mp.store, resourceFromAttributes({ 'service.name': 'gzip-test', marker })).collect()).resourceMetrics;
  };

  const spansMarked = async (marker: string): Promise<ReadableSpan[]> => {
    const memory = new InMemorySpanExporter();
    const tp = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': 'gzip-test', marker }), spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] });
    const tracer = tp.getTracer('gzip');
    for (let i = 0; i < SERIES; i++) tracer.startSpan(`GET /api/v1/customers/{customerId}/orders/{orderId}/items/${i}`, { attributes: { marker } }).end();
    await tp.forceFlush();
    return memory.getFinishedSpans();
  };

  /** Data points (metrics) or spans of the requests from the resource marked `marker`. */
  const received = (marker: string, kind: 'metrics' | 'spans'): Promise<number> =>
    waitFor(`${SERIES} ${kind} marked ${marker} in the collector's file`, async () => {
      let n = 0;
      for (const line of await collector.readTraceFile()) {
        for (const r of (kind === 'metrics' ? line.resourceMetrics : line.resourceSpans) ?? []) {
          if (!r.resource?.attributes?.some((a: any) => a.key === 'marker' && a.value.stringValue === marker)) continue;
          if (kind === 'metrics') for (const sm of r.scopeMetrics) for (const m of sm.metrics) n += m.sum.dataPoints.length;
          else for (const ss of r.scopeSpans) n += ss.spans.length;
        }
      }
      return n >= SERIES ? n : undefined;
    }, 10_000, 100);

  for (const protocol of ['http/protobuf', 'grpc'] as const) {
    for (const signal of ['metrics', 'traces'] as const) {
      it(`${protocol} ${signal}: gzip (from the ${signal === 'traces' ? 'per-signal' : 'generic'} variable) sends far fewer bytes, and the Collector decodes everything`, async () => {
        const relay = protocol === 'grpc' ? grpcRelay : httpRelay;
        const variable = signal === 'traces' ? 'OTEL_EXPORTER_OTLP_TRACES_COMPRESSION' : 'OTEL_EXPORTER_OTLP_COMPRESSION';
        const sent: Record<string, { bytes: number; head: string }> = {};
        for (const compression of ['none', 'gzip'] as const) {
          const marker = `${protocol}-${signal}-${compression}`;
          const { options } = resolveOtlpOptions(signal, {
            OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${relay.port}`,
            OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
            [variable]: compression,
          });
          expect(options.compression).to.equal(compression);
          relay.take();
          const exporter = signal === 'metrics' ? new OTLPMetricExporter(options) : new OTLPTraceExporter(options);
          try {
            const r = signal === 'metrics'
              ? await (exporter as OTLPMetricExporter).exportAsync(await metricsMarked(marker))
              : await (exporter as OTLPTraceExporter).exportAsync(await spansMarked(marker));
            expect(r.code, r.error?.message).to.equal(ExportResultCode.SUCCESS);
          } finally {
            await exporter.shutdown();
          }
          sent[compression] = relay.take();
          expect(await received(marker, signal === 'metrics' ? 'metrics' : 'spans')).to.equal(SERIES);
        }
        const { none, gzip } = sent as { none: { bytes: number; head: string }; gzip: { bytes: number; head: string } };
        expect(gzip.bytes, `gzip ${gzip.bytes} B vs none ${none.bytes} B`).to.be.lessThan(none.bytes / 4);
        if (protocol === 'http/protobuf') {
          expect(gzip.head).to.match(/\r\nContent-Encoding: gzip\r\n/i);
          expect(none.head).not.to.match(/Content-Encoding/i);
        }
      });
    }
  }
});
