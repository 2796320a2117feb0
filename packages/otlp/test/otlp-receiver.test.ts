import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { startOtlpReceiver, tempDir, type OtlpReceiver } from '@otelkit/testkit';
import { encodeMetricsProtobuf } from '../src/index.js';
import { everyKind } from './fixtures.js';

// The test oracle itself (packages/testkit/py/otlp_receiver.py): traces as well as metrics, ids
// as hex whatever the encoding, the JSON-lines file, and failures that are visible.
describe('testkit OTLP receiver (oracle checks)', () => {
  let receiver: OtlpReceiver;
  let dir: { path: string; remove: () => Promise<void> };
  before(async function () {
    this.timeout(300_000);
    dir = await tempDir('otlp-receiver');
    receiver = await startOtlpReceiver({ outFile: join(dir.path, 'received.jsonl') });
  });
  after(async () => {
    await receiver?.stop();
    await dir?.remove();
  });

  it('decodes /v1/traces from upstream serializers, protobuf and gzip JSON, with hex ids', async () => {
    const exporter = new InMemorySpanExporter();
    const tp = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    const span = tp.getTracer('t').startSpan('work', { attributes: { k: 'v' } });
    span.end();
    const [finished] = exporter.getFinishedSpans();
    const { traceId, spanId } = finished!.spanContext();
    await fetch(receiver.tracesUrl, { method: 'POST', body: ProtobufTraceSerializer.serializeRequest([finished!])!, headers: { 'content-type': 'application/x-protobuf' } });
    await fetch(receiver.tracesUrl, {
      method: 'POST',
      body: gzipSync(JsonTraceSerializer.serializeRequest([finished!])!),
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    });
    const reqs = await receiver.requests();
    expect(reqs.map((r) => [r.path, r.status, r.content_encoding])).to.deep.equal([['/v1/traces', 200, ''], ['/v1/traces', 200, 'gzip']]);
    for (const r of reqs) {
      const s = r.body!.resource_spans[0].scope_spans[0].spans[0];
      expect(s).to.include({ name: 'work', trace_id: traceId, span_id: spanId });
    }
    await tp.shutdown();
  });

  it('answers 400 with the decoding error for a body that is not the message, and records it', async () => {
    const res = await fetch(receiver.metricsUrl, { method: 'POST', body: Buffer.from([0x0a, 0xff, 0x01]), headers: { 'content-type': 'application/x-protobuf' } });
    expect(res.status).to.equal(400);
    const res2 = await fetch(receiver.metricsUrl, { method: 'POST', body: 'x', headers: { 'content-type': 'text/plain' } });
    expect(res2.status).to.equal(400);
    const reqs = (await receiver.requests()).slice(-2);
    expect(reqs[0]!.error).to.match(/DecodeError|Error/);
    expect(reqs[1]!.error).to.include('unsupported Content-Type');
  });

  it('appends every request as one JSON line to the out file', async () => {
    await fetch(receiver.metricsUrl, { method: 'POST', body: encodeMetricsProtobuf(everyKind()), headers: { 'content-type': 'application/x-protobuf' } });
    const lines = (await readFile(join(dir.path, 'received.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).to.deep.equal(await receiver.requests());
    expect(lines[lines.length - 1].body.resource_metrics[0].scope_metrics).to.have.length(2);
  });
});
