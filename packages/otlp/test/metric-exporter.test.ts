import { expect } from 'chai';
import { ExportResultCode } from '@opentelemetry/core';
import { startOtlpReceiver, type OtlpReceiver } from '@otelkit/testkit';
import { OTLPMetricExporter, OtlpExportError, type OtlpMetricsOptions, type OtlpProtocol } from '../src/index.js';
import { captureDiag, everyKind, everyKindDecoded } from './fixtures.js';

const POINTS = everyKind().scopeMetrics.reduce((n, sm) => n + sm.metrics.reduce((k, m) => k + m.dataPoints.length, 0), 0);
const FAST_RETRY = { initialBackoffMillis: 20, maxBackoffMillis: 100, jitter: 0 };

describe('OTLPMetricExporter', () => {
  let receiver: OtlpReceiver;
  const exporters: OTLPMetricExporter[] = [];
  const make = (options: OtlpMetricsOptions = {}): OTLPMetricExporter => {
    const e = new OTLPMetricExporter({ url: receiver.metricsUrl, timeoutMillis: 5000, retry: FAST_RETRY, ...options });
    exporters.push(e);
    return e;
  };

  before(async function () {
    this.timeout(300_000);
    receiver = await startOtlpReceiver();
  });
  beforeEach(() => receiver.reset());
  afterEach(async () => {
    for (const e of exporters.splice(0)) await e.shutdown().catch(() => undefined);
  });
  after(() => receiver?.stop());

  const gaps = async (): Promise<number[]> => {
    const reqs = await receiver.requests();
    return reqs.slice(1).map((r, i) => r.received_at_ms - reqs[i]!.received_at_ms);
  };

  describe('retries (https://opentelemetry.io/docs/specs/otlp/#otlphttp-throttling)', () => {
    it('429 with Retry-After in delta-seconds waits that long, then succeeds', async () => {
      await receiver.respondWith([{ status: 429, retry_after: '1' }]);
      const e = make();
      const result = await e.exportAsync(everyKind());
      expect(result.code).to.equal(ExportResultCode.SUCCESS);
      const reqs = await receiver.requests();
      expect(reqs.map((r) => r.status)).to.deep.equal([429, 200]);
      // Without Retry-After the backoff would have been 20 ms.
      expect((await gaps())[0]).to.be.within(950, 2500);
      expect(e.health()).to.include({ exports: 1, failures: 0, retries: 1, droppedDataPoints: 0, consecutiveFailures: 0 });
    });

    it('503 with Retry-After as an HTTP-date waits until that date, then succeeds', async () => {
      // HTTP-dates have a one-second resolution: 2 s ahead means a wait in (1, 2] s.
      await receiver.respondWith([{ status: 503, retry_after: new Date(Date.now() + 2000).toUTCString() }]);
      const e = make();
      expect((await e.exportAsync(everyKind())).code).to.equal(ExportResultCode.SUCCESS);
      expect((await receiver.requests()).map((r) => r.status)).to.deep.equal([503, 200]);
      expect((await gaps())[0]).to.be.within(900, 3000);
    });

    it('502, 504, 503 without Retry-After back off exponentially', async () => {
      await receiver.respondWith([{ status: 502 }, { status: 504 }, { status: 503 }]);
      const e = make({ retry: { initialBackoffMillis: 100, multiplier: 2, maxBackoffMillis: 1000, jitter: 0 } });
      expect((await e.exportAsync(everyKind())).code).to.equal(ExportResultCode.SUCCESS);
      expect((await receiver.requests()).map((r) => r.status)).to.deep.equal([502, 504, 503, 200]);
      const [g1, g2, g3] = await gaps();
      expect(g1).to.be.within(95, 600);
      expect(g2).to.be.within(195, 700);
      expect(g3).to.be.within(395, 900);
      expect(e.health().retries).to.equal(3);
    });

    for (const status of [400, 401, 403, 404, 413, 500]) {
      it(`${status} is never retried and fails the export with the receiver's message`, async () => {
        await receiver.respondWith([{ status, message: `scripted rejection ${status}` }]);
        const e = make();
        const result = await e.exportAsync(everyKind());
        expect(result.code).to.equal(ExportResultCode.FAILED);
        expect(result.error).to.be.instanceOf(OtlpExportError);
        const err = result.error as OtlpExportError;
        expect(err.code).to.equal(status);
        expect(err.attempts).to.equal(1);
        expect(err.retryable).to.equal(false);
        expect(err.message).to.include(`HTTP ${status}: scripted rejection ${status}`);
        await new Promise((r) => setTimeout(r, 200));
        expect(await receiver.requests()).to.have.length(1);
        const h = e.health();
        expect(h).to.include({ exports: 1, failures: 1, retries: 0, droppedDataPoints: POINTS, consecutiveFailures: 1 });
        expect(h.lastError).to.include(`HTTP ${status}`);
      });
    }

    it('a network error (receiver down) is retried until the receiver is back', async () => {
      const own = await startOtlpReceiver();
      const port = own.port;
      await own.stop();
      const e = new OTLPMetricExporter({ url: `http://127.0.0.1:${port}/v1/metrics`, timeoutMillis: 10_000, retry: { initialBackoffMillis: 200, maxBackoffMillis: 400, jitter: 0, maxAttempts: 50 } });
      exporters.push(e);
      const pending = e.exportAsync(everyKind());
      await new Promise((r) => setTimeout(r, 700));
      const back = await startOtlpReceiver({ port });
      try {
        const result = await pending;
        expect(result.code, String(result.error)).to.equal(ExportResultCode.SUCCESS);
        expect(e.health().retries).to.be.greaterThan(0);
        expect(await back.requests()).to.have.length(1);
      } finally {
        await back.stop();
      }
    });

    it('gives up when retries would pass the export timeout, and says so', async () => {
      await receiver.respondWith(Array.from({ length: 20 }, () => ({ status: 503 })));
      const e = make({ timeoutMillis: 1000, retry: { initialBackoffMillis: 300, multiplier: 1, maxBackoffMillis: 300, jitter: 0 } });
      const t0 = Date.now();
      const result = await e.exportAsync(everyKind());
      const took = Date.now() - t0;
      expect(result.code).to.equal(ExportResultCode.FAILED);
      expect(took).to.be.below(1100);
      const err = result.error as OtlpExportError;
      expect(err.retryable).to.equal(true);
      expect(err.code).to.equal(503);
      expect(err.attempts).to.be.within(2, 4);
      expect(err.message).to.match(/would pass the 1000 ms export timeout/);
      expect((await receiver.requests()).length).to.equal(err.attempts);
    });

    it('a receiver slower than the timeout fails the export at the timeout', async () => {
      await receiver.respondWith([{ status: 200, delay_ms: 3000 }]);
      const e = make({ timeoutMillis: 500 });
      const t0 = Date.now();
      const result = await e.exportAsync(everyKind());
      expect(Date.now() - t0).to.be.within(450, 1000);
      expect(result.code).to.equal(ExportResultCode.FAILED);
      expect(String(result.error)).to.match(/timed out after/);
    });

    it('a Retry-After beyond the budget fails at once and holds back the next export until it passes', async () => {
      await receiver.respondWith([{ status: 429, retry_after: '2' }]);
      const e = make({ timeoutMillis: 1000 });
      const t0 = Date.now();
      const first = await e.exportAsync(everyKind());
      expect(Date.now() - t0).to.be.below(500);
      expect(String(first.error)).to.match(/Retry-After 2000 ms would pass the 1000 ms export timeout/);
      const second = await e.exportAsync(everyKind());
      expect(String(second.error)).to.match(/asked to wait \d+ ms more \(Retry-After\)/);
      expect(await receiver.requests()).to.have.length(1);
      await new Promise((r) => setTimeout(r, 2000 - (Date.now() - t0) + 50));
      expect((await e.exportAsync(everyKind())).code).to.equal(ExportResultCode.SUCCESS);
      expect(e.health()).to.include({ exports: 3, failures: 2, consecutiveFailures: 0 });
    });
  });

  for (const protocol of ['http/protobuf', 'http/json'] as OtlpProtocol[]) {
    it(`${protocol}: partial success is logged with the rejected count and message, counted, not retried`, async () => {
      await receiver.respondWith([{ status: 200, partial_success: { rejected_data_points: 2, error_message: 'bad points' } }]);
      const d = captureDiag();
      try {
        const e = make({ protocol });
        expect((await e.exportAsync(everyKind())).code).to.equal(ExportResultCode.SUCCESS);
        expect(d.messages.filter((m) => m.includes('partially'))).to.deep.equal([
          `OTLP receiver ${receiver.metricsUrl} accepted the export partially: 2 of ${POINTS} data points rejected: bad points`,
        ]);
        expect(e.health()).to.include({ exports: 1, failures: 0, droppedDataPoints: 2 });
        expect(await receiver.requests()).to.have.length(1);
      } finally {
        d.restore();
      }
    });
  }

  it('sends the configured headers and a User-Agent', async () => {
    const e = make({ headers: { authorization: 'Bearer t0ken', 'x-tenant': 'a b' } });
    await e.exportAsync(everyKind());
    const [req] = await receiver.requests();
    expect(req!.headers).to.include({ authorization: 'Bearer t0ken', 'x-tenant': 'a b' });
    expect(req!.headers['user-agent']).to.match(/^otelkit-otlp\//);
  });

  it('health(): stable field names, plain JSON, counters follow successes and failures', async () => {
    const e = make();
    expect(e.health()).to.deep.equal({ exports: 0, failures: 0, retries: 0, droppedDataPoints: 0, consecutiveFailures: 0 });
    await receiver.respondWith([{ status: 200 }, { status: 400 }, { status: 400 }, { status: 503 }, { status: 200 }]);
    const t0 = Date.now();
    await e.exportAsync(everyKind());
    await e.exportAsync(everyKind());
    await e.exportAsync(everyKind());
    expect(e.health()).to.include({ exports: 3, failures: 2, consecutiveFailures: 2 });
    await e.exportAsync(everyKind()); // 503 then 200
    const h = e.health();
    expect(Object.keys(h).sort()).to.deep.equal(
      ['consecutiveFailures', 'droppedDataPoints', 'exports', 'failures', 'lastError', 'lastErrorMs', 'lastSuccessMs', 'retries'],
    );
    expect(JSON.parse(JSON.stringify(h))).to.deep.equal(h);
    expect(h).to.include({ exports: 4, failures: 2, retries: 1, droppedDataPoints: 2 * POINTS, consecutiveFailures: 0 });
    expect(h.lastError).to.include('HTTP 400');
    expect(h.lastErrorMs).to.be.within(t0, h.lastSuccessMs!);
  });

  it('forceFlush() rejects with the error of an export that fails while it waits; shutdown() too', async () => {
    await receiver.respondWith([{ status: 400, delay_ms: 300, message: 'nope' }, { status: 400, delay_ms: 300, message: 'nope again' }]);
    const e = make();
    const pending = e.exportAsync(everyKind());
    const err = await e.forceFlush().then(() => undefined, (x: unknown) => x);
    expect(err).to.be.instanceOf(OtlpExportError);
    expect((err as OtlpExportError).code).to.equal(400);
    expect((await pending).code).to.equal(ExportResultCode.FAILED);
    await e.forceFlush(); // nothing in flight any more
    void e.exportAsync(everyKind());
    const shutdownErr = await e.shutdown().then(() => undefined, (x: unknown) => x);
    expect(String(shutdownErr)).to.include('nope again');
    const after = await e.exportAsync(everyKind());
    expect(String(after.error)).to.include('shut down');
  });

  it('export() reports through the callback (sdk-metrics PushMetricExporter contract)', async () => {
    await receiver.respondWith([{ status: 404 }]);
    const e = make();
    const r1 = await new Promise<{ code: number }>((res) => e.export(everyKind(), res));
    expect(r1.code).to.equal(ExportResultCode.FAILED);
    const r2 = await new Promise<{ code: number }>((res) => e.export(everyKind(), res));
    expect(r2.code).to.equal(ExportResultCode.SUCCESS);
    expect(e.selectAggregationTemporality('COUNTER' as never)).to.equal(1); // AggregationTemporality.CUMULATIVE
  });

  describe('finalRequest() (the synchronous exit path sends it; the exporter builds it, nobody re-encodes)', () => {
    for (const [protocol, compression] of [['http/protobuf', 'gzip'], ['http/json', 'none']] as const) {
      it(`${protocol}, ${compression}: the receiver decodes exactly what exportAsync() would send`, async () => {
        const e = make({ protocol, compression, headers: { 'x-tenant': 't1' } });
        const r = e.finalRequest(everyKind())!;
        expect(r.method).to.equal('POST');
        expect(r.url).to.equal(receiver.metricsUrl);
        // Sent here by fetch, as the exit path's child process does.
        const res = await fetch(r.url, { method: r.method, headers: r.headers, body: r.body });
        expect(res.status).to.equal(200);
        const [req] = await receiver.requests();
        expect(req!.error, req!.error).to.equal(undefined);
        expect(req!.content_type).to.equal(protocol === 'http/json' ? 'application/json' : 'application/x-protobuf');
        expect(req!.content_encoding).to.equal(compression === 'gzip' ? 'gzip' : '');
        expect(req!.headers['x-tenant']).to.equal('t1');
        expect(req!.body).to.deep.equal(everyKindDecoded());
      });
    }
  });
});
