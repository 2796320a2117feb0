import { expect } from 'chai';
import { createServer, constants as h2, type Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { ExportResultCode } from '@opentelemetry/core';
import {
  GrpcStatus,
  GrpcTransport,
  grpcTransport,
  METRICS_EXPORT_METHOD,
  OTLPMetricExporter,
  OtlpConfigError,
  OtlpExportError,
  encodeMetricsProtobuf,
  type OtlpMetricsOptions,
} from '../src/index.js';
import { captureDiag, everyKind } from './fixtures.js';
import { partialSuccessResponse, startGrpcPeer, statusWithRetryInfo, type GrpcPeer } from './grpc-peer.js';

const POINTS = everyKind().scopeMetrics.reduce((n, sm) => n + sm.metrics.reduce((k, m) => k + m.dataPoints.length, 0), 0);
const FAST_RETRY = { initialBackoffMillis: 20, maxBackoffMillis: 100, jitter: 0 };

// https://opentelemetry.io/docs/specs/otlp/#failures — retryable, and the rest.
const RETRYABLE = ['CANCELLED', 'DEADLINE_EXCEEDED', 'ABORTED', 'OUT_OF_RANGE', 'UNAVAILABLE', 'DATA_LOSS'] as const;
const NOT_RETRYABLE = ['UNKNOWN', 'INVALID_ARGUMENT', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'UNIMPLEMENTED', 'INTERNAL', 'UNAUTHENTICATED'] as const;

describe('OTLP/gRPC transport (against a grpc-js server)', () => {
  let peer: GrpcPeer;
  const exporters: OTLPMetricExporter[] = [];
  // The exporter with the one-line transport choice; everything else is the OTLP/HTTP exporter's.
  const make = (options: OtlpMetricsOptions = {}, url = peer.url): OTLPMetricExporter => {
    const e = new OTLPMetricExporter({ url, timeoutMillis: 5000, retry: FAST_RETRY, ...options }, { transport: grpcTransport() });
    exporters.push(e);
    return e;
  };
  const gaps = (): number[] => peer.calls().slice(1).map((c, i) => c.atMs - peer.calls()[i]!.atMs);

  before(async () => {
    peer = await startGrpcPeer();
  });
  beforeEach(() => peer.reset());
  afterEach(async () => {
    for (const e of exporters.splice(0)) await e.shutdown().catch(() => undefined);
  });
  after(() => peer?.stop());

  it('sends the ExportMetricsServiceRequest bytes unchanged and succeeds', async () => {
    const e = make();
    expect((await e.exportAsync(everyKind())).code).to.equal(ExportResultCode.SUCCESS);
    expect(peer.calls()).to.have.length(1);
    expect(peer.calls()[0]!.body.equals(Buffer.from(encodeMetricsProtobuf(everyKind())))).to.equal(true);
    expect(e.health()).to.include({ exports: 1, failures: 0, retries: 0 });
  });

  describe('status codes (https://opentelemetry.io/docs/specs/otlp/#failures)', () => {
    for (const name of RETRYABLE) {
      it(`${name} is retried, then OK succeeds`, async () => {
        peer.script([{ code: GrpcStatus[name], details: `scripted ${name}` }]);
        const e = make();
        expect((await e.exportAsync(everyKind())).code).to.equal(ExportResultCode.SUCCESS);
        expect(peer.calls()).to.have.length(2);
        expect(e.health()).to.include({ exports: 1, failures: 0, retries: 1, droppedDataPoints: 0 });
      });
    }

    for (const name of NOT_RETRYABLE) {
      it(`${name} is not retried and fails the export with the server's details`, async () => {
        peer.script([{ code: GrpcStatus[name], details: `scripted ${name}` }]);
        const e = make();
        const r = await e.exportAsync(everyKind());
        expect(r.code).to.equal(ExportResultCode.FAILED);
        expect(r.error).to.be.instanceOf(OtlpExportError);
        expect(r.error!.message).to.include(`gRPC ${name} (${GrpcStatus[name]}): scripted ${name}`);
        expect(r.error).to.include({ code: GrpcStatus[name], attempts: 1, retryable: false });
        expect(peer.calls()).to.have.length(1);
        expect(e.health()).to.include({ exports: 1, failures: 1, retries: 0, droppedDataPoints: POINTS });
      });
    }

    it('UNAVAILABLE three times backs off between attempts, then succeeds', async () => {
      peer.script([{ code: GrpcStatus.UNAVAILABLE }, { code: GrpcStatus.UNAVAILABLE }, { code: GrpcStatus.UNAVAILABLE }]);
      const e = make({ retry: { initialBackoffMillis: 100, multiplier: 2, maxBackoffMillis: 1000, jitter: 0 } });
      expect((await e.exportAsync(everyKind())).code).to.equal(ExportResultCode.SUCCESS);
      expect(peer.calls()).to.have.length(4);
      const [a, b, c] = gaps();
      expect(a).to.be.within(90, 400);
      expect(b).to.be.within(190, 600);
      expect(c).to.be.within(390, 1000);
    });

    it('RESOURCE_EXHAUSTED with RetryInfo is retried after retry_delay (https://opentelemetry.io/docs/specs/otlp/#otlpgrpc-throttling)', async () => {
      peer.script([{
        code: GrpcStatus.RESOURCE_EXHAUSTED,
        details: 'over quota',
        trailers: { 'grpc-status-details-bin': statusWithRetryInfo(GrpcStatus.RESOURCE_EXHAUSTED, 'over quota', 0, 600_000_000) },
      }]);
      const e = make();
      expect((await e.exportAsync(everyKind())).code).to.equal(ExportResultCode.SUCCESS);
      expect(peer.calls()).to.have.length(2);
      // The exporter's own backoff would be 20 ms.
      expect(gaps()[0]).to.be.within(580, 1500);
    });

    it('grpc-retry-pushback-ms on UNAVAILABLE sets the wait', async () => {
      peer.script([{ code: GrpcStatus.UNAVAILABLE, trailers: { 'grpc-retry-pushback-ms': '500' } }]);
      const e = make();
      expect((await e.exportAsync(everyKind())).code).to.equal(ExportResultCode.SUCCESS);
      expect(gaps()[0]).to.be.within(480, 1500);
    });

    it('a negative grpc-retry-pushback-ms means do not retry (gRFC A6)', async () => {
      peer.script([{ code: GrpcStatus.UNAVAILABLE, trailers: { 'grpc-retry-pushback-ms': '-1' } }]);
      const e = make();
      const r = await e.exportAsync(everyKind());
      expect(r.code).to.equal(ExportResultCode.FAILED);
      expect(r.error!.message).to.include('do not retry');
      expect(peer.calls()).to.have.length(1);
    });

    it('a RetryInfo delay beyond the export budget fails at once and holds back the next export', async () => {
      peer.script([{
        code: GrpcStatus.UNAVAILABLE,
        trailers: { 'grpc-status-details-bin': statusWithRetryInfo(GrpcStatus.UNAVAILABLE, 'later', 2, 0) },
      }]);
      const e = make({ timeoutMillis: 1000 });
      const t0 = Date.now();
      const r = await e.exportAsync(everyKind());
      expect(r.code).to.equal(ExportResultCode.FAILED);
      expect(Date.now() - t0).to.be.below(900);
      const next = await e.exportAsync(everyKind());
      expect(next.code).to.equal(ExportResultCode.FAILED);
      expect(next.error!.message).to.include('asked to wait');
      expect(peer.calls()).to.have.length(1);
    });

    it('the export timeout is the call deadline: a server slower than it fails the export at the timeout', async () => {
      peer.script([{ delayMs: 3000 }]);
      const e = make({ timeoutMillis: 400 });
      const t0 = Date.now();
      const r = await e.exportAsync(everyKind());
      const took = Date.now() - t0;
      expect(r.code).to.equal(ExportResultCode.FAILED);
      expect(r.error!.message).to.include('DEADLINE_EXCEEDED');
      expect(took).to.be.within(350, 1200);
    });

    it('a server that is down is UNAVAILABLE, retried until the budget is spent', async () => {
      const down = await startGrpcPeer();
      const url = down.url;
      await down.stop();
      const e = make({ timeoutMillis: 600 }, url);
      const r = await e.exportAsync(everyKind());
      expect(r.code).to.equal(ExportResultCode.FAILED);
      expect(r.error!.message).to.match(/UNAVAILABLE/);
      expect((r.error as OtlpExportError).attempts).to.be.greaterThan(1);
      expect(e.health().retries).to.be.greaterThan(0);
    });
  });

  it('partial success in the response is read by the same decoder as OTLP/HTTP: logged, counted, not retried', async () => {
    const logs = captureDiag();
    try {
      peer.script([{ response: partialSuccessResponse(2, 'bad unit') }]);
      const e = make();
      expect((await e.exportAsync(everyKind())).code).to.equal(ExportResultCode.SUCCESS);
      expect(peer.calls()).to.have.length(1);
      expect(e.health()).to.include({ droppedDataPoints: 2 });
      expect(logs.messages.join('\n')).to.include(`2 of ${POINTS} data points rejected: bad unit`);
    } finally {
      logs.restore();
    }
  });

  it('headers arrive as metadata (names lowercased), with the User-Agent', async () => {
    const e = make({ headers: { 'X-Tenant': 't1', authorization: 'Bearer abc', 'trace-bin': Buffer.from([1, 2, 255]).toString('base64') } });
    await e.exportAsync(everyKind());
    const md = peer.calls()[0]!.metadata;
    expect(md['x-tenant']).to.equal('t1');
    expect(md.authorization).to.equal('Bearer abc');
    expect(Buffer.isBuffer(md['trace-bin']) && [...(md['trace-bin'] as Buffer)]).to.deep.equal([1, 2, 255]);
    expect(String(md['user-agent'])).to.match(/^otelkit-otlp\/0\.1\.0 grpc-node-js\//);
  });

  it('gzip: the grpc-js server decodes the same bytes', async () => {
    const e = make({ compression: 'gzip' });
    expect((await e.exportAsync(everyKind())).code).to.equal(ExportResultCode.SUCCESS);
    expect(peer.calls()[0]!.body.equals(Buffer.from(encodeMetricsProtobuf(everyKind())))).to.equal(true);
  });

  it('a header that cannot be gRPC metadata is a configuration error naming it', () => {
    expect(() => new GrpcTransport({ url: peer.url, headers: { 'x y': '1' }, gzip: false, userAgent: 'u' })).to.throw(OtlpConfigError, 'headers.x y');
    expect(() => new GrpcTransport({ url: peer.url, headers: { 'grpc-timeout': '1' }, gzip: false, userAgent: 'u' })).to.throw(OtlpConfigError, 'headers.grpc-timeout');
    expect(() => new GrpcTransport({ url: peer.url, headers: { k: 'caf\u00e9' }, gzip: false, userAgent: 'u' })).to.throw(OtlpConfigError, 'printable ASCII');
    expect(() => new GrpcTransport({ url: 'unix:///tmp/s', headers: {}, gzip: false, userAgent: 'u' })).to.throw(OtlpConfigError, 'url');
    expect(() => make({ headers: { 'grpc-timeout': '1S' } })).to.throw(OtlpConfigError, 'headers.grpc-timeout');
    expect(() => make({ protocol: 'http/json' })).to.throw(OtlpConfigError, /^protocol: OTLP\/gRPC carries protobuf only/);
  });

  it('a closed transport fails sends without a call', async () => {
    const t = new GrpcTransport({ url: peer.url, headers: {}, gzip: false, userAgent: 'u' });
    t.close();
    const r = await t.send(encodeMetricsProtobuf(everyKind()), 1000);
    expect(r).to.deep.include({ kind: 'failure', error: 'OTLP/gRPC transport is closed' });
    expect(peer.calls()).to.have.length(0);
  });
});

// On the wire, below grpc-js: a plain HTTP/2 server (node:http2) reading the gRPC frame, so the
// test sees what grpc-js's server hides — the compressed flag and grpc-encoding.
describe('OTLP/gRPC on the wire (node:http2 peer)', () => {
  let server: Http2Server;
  let url: string;
  const seen: Array<{ headers: Record<string, unknown>; frame: Buffer }> = [];
  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ headers: { ...req.headers }, frame: Buffer.concat(chunks) });
        res.writeHead(200, { 'content-type': 'application/grpc' });
        // An empty ExportMetricsServiceResponse: one uncompressed frame of length 0, then OK.
        res.write(Buffer.from([0, 0, 0, 0, 0]));
        res.addTrailers({ 'grpc-status': '0' });
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  for (const gzip of [false, true]) {
    it(`${gzip ? 'gzip: grpc-encoding gzip and a compressed frame' : 'no compression: a plain frame'} holding the request bytes, POST to the Export method`, async () => {
      seen.length = 0;
      const t = new GrpcTransport({ url, headers: {}, gzip, userAgent: 'otelkit-otlp/0.1.0' });
      const body = encodeMetricsProtobuf(everyKind());
      const r = await t.send(body, 5000);
      t.close();
      expect(r.kind).to.equal('success');
      const { headers, frame } = seen[0]!;
      expect(headers[h2.HTTP2_HEADER_PATH]).to.equal(METRICS_EXPORT_METHOD);
      expect(headers[h2.HTTP2_HEADER_CONTENT_TYPE]).to.equal('application/grpc');
      expect(headers['grpc-timeout']).to.match(/^\d+[mSu]$/);
      expect(frame[0]).to.equal(gzip ? 1 : 0);
      expect(frame.readUInt32BE(1)).to.equal(frame.length - 5);
      const message = gzip ? gunzipSync(frame.subarray(5)) : frame.subarray(5);
      if (gzip) {
        expect(headers['grpc-encoding']).to.equal('gzip');
        expect(frame.length - 5).to.be.below(body.length);
      } else {
        expect(headers['grpc-encoding']).to.equal(undefined);
      }
      expect(message.equals(Buffer.from(body))).to.equal(true);
    });
  }

  it('an endpoint path is ignored: the call goes to the method path (per-signal endpoint used as is)', async () => {
    seen.length = 0;
    const t = new GrpcTransport({ url: `${url}/v1/metrics`, headers: {}, gzip: false, userAgent: 'u' });
    expect((await t.send(encodeMetricsProtobuf(everyKind()), 5000)).kind).to.equal('success');
    t.close();
    expect(seen[0]!.headers[h2.HTTP2_HEADER_PATH]).to.equal(METRICS_EXPORT_METHOD);
  });
});
