import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { otlpToFileCollectorConfig, type RunningCollector, startCollector, waitFor } from '@otelkit/testkit';
import { GrpcStatus, GrpcTransport, encodeMetricsProtobuf, type GrpcPreparedRequest } from '../src/index.js';
import { everyKind, SPAN_ID, TRACE_ID } from './fixtures.js';
import { GRPC_FINAL_CHILD } from './grpc-final-sender.js';
import { startGrpcPeer, type GrpcPeer } from './grpc-peer.js';

/** Sends a prepared request from a child process, as the exit path does; resolves with its exit code and stderr. */
function sendFromChild(request: GrpcPreparedRequest, timeoutMs: number): Promise<{ code: number | null; stderr: string; ms: number }> {
  const t0 = Date.now();
  const child = spawn(process.execPath, ['-e', GRPC_FINAL_CHILD], { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  child.stdin.end(JSON.stringify({ timeoutMs, request: { ...request, body: Buffer.from(request.body).toString('base64') } }));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr, ms: Date.now() - t0 })));
}

const CONFIG = otlpToFileCollectorConfig(['grpc']);

function marked(marker: number): ResourceMetrics {
  const rm = everyKind();
  return { ...rm, resource: resourceFromAttributes({ ...rm.resource.attributes, 'process.pid': marker }, { schemaUrl: rm.resource.schemaUrl }) };
}

describe('OTLP/gRPC final request (synchronous exit path: prepare() sent by a child over node:http2)', () => {
  describe('to the real Collector', () => {
    let collector: RunningCollector;
    before(async function () {
      this.timeout(900_000); // the first run may build the collector
      collector = await startCollector({ configYaml: CONFIG });
    });
    after(async () => collector?.stop());

    for (const gzip of [false, true]) {
      it(`gzip ${gzip}: delivered, values and exemplars exact`, async () => {
        const marker = gzip ? 3002 : 3001;
        const t = new GrpcTransport({ url: `http://${collector.otlpGrpcEndpoint}`, headers: { 'x-tenant': 't1' }, gzip, userAgent: 'otelkit-otlp/0.1.0' });
        const request = t.prepare(encodeMetricsProtobuf(marked(marker)));
        t.close();
        expect(request.url).to.equal(`http://${collector.otlpGrpcEndpoint}/opentelemetry.proto.collector.metrics.v1.MetricsService/Export`);
        const r = await sendFromChild(request, 5000);
        expect(r, r.stderr).to.include({ code: 0 });
        const line = await waitFor(`request ${marker} in the collector's file`, async () =>
          (await collector.readTraceFile()).find((l) => l.resourceMetrics[0].resource.attributes.some((a: any) => a.key === 'process.pid' && a.value.intValue === String(marker))), 10_000, 100);
        const requests = line.resourceMetrics[0].scopeMetrics[0].metrics.find((m: any) => m.name === 'requests').sum.dataPoints[0];
        expect(requests.asInt).to.equal('42');
        expect(requests.exemplars).to.deep.equal([{ timeUnixNano: '1700000030250000000', asInt: '3', traceId: TRACE_ID, spanId: SPAN_ID }]);
      });
    }
  });

  describe('failures are reported, bounded', () => {
    let peer: GrpcPeer;
    before(async () => {
      peer = await startGrpcPeer();
    });
    after(() => peer?.stop());

    it('a non-OK status fails the child with the status and message; metadata arrives', async () => {
      peer.script([{ code: GrpcStatus.INVALID_ARGUMENT, details: 'bad metric ü' }]);
      const t = new GrpcTransport({ url: peer.url, headers: { 'X-Tenant': 't1' }, gzip: true, userAgent: 'otelkit-otlp/0.1.0' });
      const r = await sendFromChild(t.prepare(encodeMetricsProtobuf(everyKind())), 5000);
      t.close();
      expect(r.code).to.equal(1);
      expect(r.stderr).to.include('gRPC status 3: bad metric ü');
      expect(peer.calls()[0]!.metadata['x-tenant']).to.equal('t1');
      expect(peer.calls()[0]!.body.equals(Buffer.from(encodeMetricsProtobuf(everyKind())))).to.equal(true);
    });

    it('a server slower than the timeout: the child gives up at the timeout', async () => {
      peer.script([{ delayMs: 5000 }]);
      const t = new GrpcTransport({ url: peer.url, headers: {}, gzip: false, userAgent: 'u' });
      const r = await sendFromChild(t.prepare(encodeMetricsProtobuf(everyKind())), 500);
      t.close();
      expect(r.code).to.equal(1);
      expect(r.ms).to.be.below(3000);
    });

    it('nobody listening: fails fast with the connection error', async () => {
      const t = new GrpcTransport({ url: 'http://127.0.0.1:9', headers: {}, gzip: false, userAgent: 'u' });
      const r = await sendFromChild(t.prepare(encodeMetricsProtobuf(everyKind())), 5000);
      t.close();
      expect(r.code).to.equal(1);
      expect(r.stderr).to.include('ECONNREFUSED');
    });
  });
});
