import { expect } from 'chai';
import { createRequire } from 'node:module';
import { ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { GrpcStatus, OTLPTraceExporter, TRACES_EXPORT_METHOD } from '../src/index.js';
import { startGrpcPeer, type GrpcPeer } from './grpc-peer.js';

const require = createRequire(import.meta.url);
const { ProtobufTraceSerializer } = require('@opentelemetry/otlp-transformer') as typeof import('@opentelemetry/otlp-transformer');

async function spans(n: number): Promise<ReadableSpan[]> {
  const memory = new InMemorySpanExporter();
  const tp = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': 'span-exporter-test' }), spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] });
  for (let i = 0; i < n; i++) tp.getTracer('t').startSpan(`op ${i}`).end();
  await tp.forceFlush();
  return memory.getFinishedSpans();
}

// OTLPTraceExporter over OTLP/gRPC against a real grpc-js server serving TraceService/Export:
// the request is upstream's ExportTraceServiceRequest encoding, unchanged; status codes are
// retried by the same rules as metrics (https://opentelemetry.io/docs/specs/otlp/#failures).
describe('OTLPTraceExporter over OTLP/gRPC', () => {
  let peer: GrpcPeer;
  const exporters: OTLPTraceExporter[] = [];
  const make = (): OTLPTraceExporter => {
    const e = new OTLPTraceExporter({ url: peer.url, protocol: 'grpc', timeoutMillis: 3000, retry: { initialBackoffMillis: 20, maxBackoffMillis: 50 } });
    exporters.push(e);
    return e;
  };

  before(async () => {
    peer = await startGrpcPeer(undefined, 0, TRACES_EXPORT_METHOD);
  });
  beforeEach(() => peer.reset());
  afterEach(async () => {
    for (const e of exporters.splice(0)) await e.shutdown().catch(() => undefined);
  });
  after(() => peer?.stop());

  it('calls TraceService/Export with the ExportTraceServiceRequest bytes', async () => {
    const s = await spans(3);
    const e = make();
    expect((await e.exportAsync(s)).code).to.equal(ExportResultCode.SUCCESS);
    expect(peer.calls()).to.have.length(1);
    expect(peer.calls()[0]!.body.equals(Buffer.from(ProtobufTraceSerializer.serializeRequest(s)!))).to.equal(true);
    expect(e.health()).to.include({ exports: 1, failures: 0 });
  });

  it('UNAVAILABLE is retried, then OK succeeds', async () => {
    peer.script([{ code: GrpcStatus.UNAVAILABLE, details: 'busy' }, { code: GrpcStatus.UNAVAILABLE, details: 'busy' }]);
    const e = make();
    expect((await e.exportAsync(await spans(1))).code).to.equal(ExportResultCode.SUCCESS);
    expect(peer.calls()).to.have.length(3);
    expect(e.health()).to.include({ retries: 2 });
  });

  it('INVALID_ARGUMENT is not retried; forceFlush() rejects with the error of a failing export', async () => {
    peer.script([{ code: GrpcStatus.INVALID_ARGUMENT, details: 'bad span' }]);
    const e = make();
    const r = await e.exportAsync(await spans(2));
    expect(r.code).to.equal(ExportResultCode.FAILED);
    expect(r.error?.message).to.match(/INVALID_ARGUMENT \(3\): bad span/);
    expect(peer.calls()).to.have.length(1);
    expect(e.health()).to.include({ failures: 1, droppedDataPoints: 2 });
    peer.script([{ code: GrpcStatus.PERMISSION_DENIED, details: 'no' }]);
    const one = await spans(1);
    e.export(one, () => {});
    const flushed = await e.forceFlush().then(() => 'resolved', (err: Error) => err.message);
    expect(flushed).to.match(/PERMISSION_DENIED/);
  });
});
