import { expect } from 'chai';
import { ValueType } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider as SdkMeterProvider } from '@opentelemetry/sdk-metrics';
import { MeterProvider, MetricProducer } from '@otelkit/metrics';
import { startOtlpReceiver, waitFor, type DecodedRequest, type OtlpReceiver } from '@otelkit/testkit';
import { OtlpConfigError, OtlpExportError, OTLPMetricExporter, OtlpTimeoutError, PeriodicExportingReader, type OtlpMetricsOptions } from '../src/index.js';
import { captureDiag } from './fixtures.js';

/**
 * Length of the receiver outage in the outage test. The issue describes a 30 s collector
 * restart; the default is kept short for the unit suite. Run the long version with
 * OTELKIT_OTLP_OUTAGE_MS=30000 npx mocha test/periodic-reader.test.ts
 */
const OUTAGE_MS = Number(process.env.OTELKIT_OTLP_OUTAGE_MS ?? 3000);

const resource = resourceFromAttributes({ 'service.name': 'reader-test' });

function setup(receiver: OtlpReceiver, opts: { interval?: number; timeout?: number; exporter?: OtlpMetricsOptions } = {}) {
  const mp = new MeterProvider({ exemplarFilter: 'always_off' });
  const meter = mp.getMeter('reader-test');
  const exporter = new OTLPMetricExporter({
    url: receiver.metricsUrl,
    timeoutMillis: 2000,
    retry: { initialBackoffMillis: 50, maxBackoffMillis: 200, jitter: 0 },
    ...opts.exporter,
  });
  const reader = new PeriodicExportingReader({ exporter, exportIntervalMillis: opts.interval ?? 60_000, exportTimeoutMillis: opts.timeout ?? 3000 });
  reader.setMetricProducer(new MetricProducer(mp.store, resource));
  return { mp, meter, exporter, reader };
}

function metric(req: DecodedRequest | undefined, name: string): Record<string, any> | undefined {
  for (const rm of req?.body?.resource_metrics ?? []) {
    for (const sm of rm.scope_metrics ?? []) for (const m of sm.metrics ?? []) if (m.name === name) return m;
  }
  return undefined;
}

const sumValue = (req: DecodedRequest | undefined, name: string): number => {
  const p = metric(req, name)?.sum?.data_points?.[0];
  return p === undefined ? NaN : Number(p.as_int ?? p.as_double ?? 0);
};

const rejection = (p: Promise<unknown>): Promise<unknown> => p.then(() => undefined, (e: unknown) => e);

describe('PeriodicExportingReader', () => {
  let receiver: OtlpReceiver;
  const readers: PeriodicExportingReader[] = [];
  const track = <T extends { reader: PeriodicExportingReader }>(s: T): T => {
    readers.push(s.reader);
    return s;
  };

  before(async function () {
    this.timeout(300_000);
    receiver = await startOtlpReceiver();
  });
  beforeEach(() => receiver.reset());
  afterEach(async () => {
    for (const r of readers.splice(0)) await r.shutdown({ timeoutMillis: 3000 }).catch(() => undefined);
  });
  after(() => receiver?.stop());

  it('rejects bad configuration with a typed error naming the field', () => {
    const exporter = new OTLPMetricExporter({ url: 'http://127.0.0.1:1/v1/metrics' });
    expect(() => new PeriodicExportingReader({ exporter, exportIntervalMillis: 0 })).to.throw(OtlpConfigError, /exportIntervalMillis/);
    expect(() => new PeriodicExportingReader({ exporter, exportTimeoutMillis: -1 })).to.throw(OtlpConfigError, /exportTimeoutMillis/);
  });

  it('forceFlush() exports everything recorded so far and resolves when it was delivered', async () => {
    const { meter, reader } = track(setup(receiver));
    meter.createCounter('jobs', { valueType: ValueType.INT }).add(3, { k: 'v' });
    await reader.forceFlush();
    const reqs = await receiver.requests();
    expect(reqs).to.have.length(1);
    expect(sumValue(reqs[0], 'jobs')).to.equal(3);
  });

  it('forceFlush() rejects with the export error instead of hiding it', async () => {
    await receiver.respondWith([{ status: 400, message: 'schema mismatch' }]);
    const { meter, reader, exporter } = track(setup(receiver));
    meter.createCounter('jobs').add(1);
    const err = await rejection(reader.forceFlush());
    expect(err).to.be.instanceOf(OtlpExportError);
    expect((err as OtlpExportError).code).to.equal(400);
    expect((err as Error).message).to.include('schema mismatch');
    expect(exporter.health()).to.include({ failures: 1, consecutiveFailures: 1 });
  });

  it('shutdown() rejects with the final export error; the reader is shut down anyway', async () => {
    await receiver.respondWith(Array.from({ length: 30 }, () => ({ status: 503 })));
    const { meter, reader } = track(setup(receiver, { exporter: { timeoutMillis: 500 } }));
    meter.createCounter('jobs').add(1);
    const err = await rejection(reader.shutdown({ timeoutMillis: 2000 }));
    expect(err).to.be.instanceOf(OtlpExportError);
    expect(err).to.include({ retryable: true, code: 503 });
    expect(String(await rejection(reader.forceFlush()))).to.include('shut down');
    expect(String(await rejection(reader.collect()))).to.include('shutdown');
  });

  it('forceFlush() and shutdown() are bounded by their timeout', async () => {
    // The reader hands the exporter what is left of its budget, so either the exporter's own
    // deadline ("request timed out") or the reader's backstop timer (OtlpTimeoutError) ends it.
    const timedOut = (e: unknown): boolean => e instanceof OtlpTimeoutError || (e instanceof OtlpExportError && /timed out/.test(e.message));
    await receiver.respondWith([{ status: 200, delay_ms: 2500 }, { status: 200, delay_ms: 2500 }]);
    const { meter, reader } = track(setup(receiver, { exporter: { timeoutMillis: 5000 } }));
    meter.createCounter('jobs').add(1);
    let t0 = Date.now();
    const err = await rejection(reader.forceFlush({ timeoutMillis: 300 }));
    expect(timedOut(err), String(err)).to.equal(true);
    expect(Date.now() - t0).to.be.within(280, 800);
    t0 = Date.now();
    const err2 = await rejection(reader.shutdown({ timeoutMillis: 400 }));
    expect(timedOut(err2), String(err2)).to.equal(true);
    expect(Date.now() - t0).to.be.within(380, 900);
  });

  it('forceFlush() is bounded even by an exporter that never answers (backstop timer)', async () => {
    const hanging = { export: () => undefined, forceFlush: async () => undefined, shutdown: async () => undefined };
    const reader = new PeriodicExportingReader({ exporter: hanging, exportIntervalMillis: 60_000 });
    const mp = new MeterProvider();
    mp.getMeter('m').createCounter('c').add(1);
    reader.setMetricProducer(new MetricProducer(mp.store, resource));
    const t0 = Date.now();
    expect(await rejection(reader.forceFlush({ timeoutMillis: 200 }))).to.be.instanceOf(OtlpTimeoutError);
    expect(Date.now() - t0).to.be.within(190, 600);
    expect(await rejection(reader.shutdown({ timeoutMillis: 200 }))).to.be.instanceOf(OtlpTimeoutError);
  });

  it('keeps exactly one export in flight: ticks during a slow export are skipped, forceFlush waits its turn', async () => {
    await receiver.respondWith([{ status: 200, delay_ms: 800 }, { status: 200, delay_ms: 800 }, { status: 200, delay_ms: 800 }]);
    const { meter, reader } = track(setup(receiver, { interval: 100, timeout: 3000 }));
    const c = meter.createCounter('jobs', { valueType: ValueType.INT });
    c.add(1);
    await waitFor('the first export', async () => (await receiver.requests()).length === 1, 2000, 10);
    await new Promise((r) => setTimeout(r, 500));
    expect(await receiver.requests()).to.have.length(1);
    expect(reader.skippedTicks).to.be.greaterThan(2);
    c.add(1);
    await reader.forceFlush();
    const reqs = await receiver.requests();
    // Arrival times: each request starts after the previous one was answered (800 ms later).
    for (let i = 1; i < reqs.length; i++) expect(reqs[i]!.received_at_ms - reqs[i - 1]!.received_at_ms).to.be.at.least(780);
    expect(sumValue(reqs[reqs.length - 1], 'jobs')).to.equal(2);
  });

  it('a failed export loses nothing: the next success carries the cumulative totals', async () => {
    await receiver.respondWith([{ status: 503 }, { status: 503 }, { status: 503 }]);
    const d = captureDiag();
    try {
      const { meter, reader, exporter } = track(setup(receiver, { interval: 100, exporter: { retry: { maxAttempts: 1 } } }));
      const c = meter.createCounter('jobs', { valueType: ValueType.INT });
      const h = meter.createHistogram('latency', { unit: 's' });
      c.add(5);
      h.record(0.2);
      await waitFor('three failed exports', async () => (await receiver.requests()).filter((r) => r.status === 503).length === 3, 3000, 20);
      c.add(2);
      h.record(0.4);
      await reader.forceFlush();
      const reqs = await receiver.requests();
      const last = reqs[reqs.length - 1];
      expect(last!.status).to.equal(200);
      expect(sumValue(last, 'jobs')).to.equal(7);
      expect(metric(last, 'latency')!.histogram.data_points[0]).to.include({ count: '2' });
      expect(exporter.health().consecutiveFailures).to.equal(0);
      expect(exporter.health().failures).to.be.at.least(3);
      // One warning for the outage, not one per failed tick.
      expect(d.messages.filter((m) => m.includes('PeriodicExportingReader') && m.includes('HTTP 503'))).to.have.length(1);
    } finally {
      d.restore();
    }
  });

  it(`survives a receiver outage of ${OUTAGE_MS} ms: the last export's totals equal everything recorded`, async function () {
    this.timeout(OUTAGE_MS + 30_000);
    let own = await startOtlpReceiver();
    const port = own.port;
    const { meter, reader, exporter } = track(setup(own, {
      interval: 200,
      timeout: 1000,
      exporter: { timeoutMillis: 800, retry: { initialBackoffMillis: 100, maxBackoffMillis: 300 } },
    }));
    const counter = meter.createCounter('events', { valueType: ValueType.INT }).bind({ source: 'a' });
    const hist = meter.createHistogram('size', { unit: 'By' }).bind({ source: 'a' });
    let recorded = 0;
    let sum = 0;
    const loop = setInterval(() => {
      for (let i = 0; i < 10; i++) {
        counter.add(1);
        hist.record(recorded % 7);
        sum += recorded % 7;
        recorded++;
      }
    }, 10);
    try {
      await new Promise((r) => setTimeout(r, 1000));
      const before = await own.requests();
      expect(before.length).to.be.greaterThan(0);
      await own.stop();
      await new Promise((r) => setTimeout(r, OUTAGE_MS));
      const failuresDuringOutage = exporter.health().consecutiveFailures;
      own = await startOtlpReceiver({ port });
      await new Promise((r) => setTimeout(r, 1000));
      clearInterval(loop);
      await reader.forceFlush();
      const after = await own.requests();
      const last = after[after.length - 1];
      expect(failuresDuringOutage).to.be.greaterThan(0);
      expect(sumValue(last, 'events')).to.equal(recorded);
      const hp = metric(last, 'size')!.histogram.data_points[0];
      expect(Number(hp.count)).to.equal(recorded);
      expect(hp.sum).to.equal(sum);
      expect(exporter.health().consecutiveFailures).to.equal(0);
    } finally {
      clearInterval(loop);
      await own.stop();
    }
  });

  it('plugs into an sdk-metrics MeterProvider as a reader', async () => {
    const exporter = new OTLPMetricExporter({ url: receiver.metricsUrl });
    const reader = new PeriodicExportingReader({ exporter, exportIntervalMillis: 60_000 });
    const mp = new SdkMeterProvider({ resource, readers: [reader] });
    mp.getMeter('sdk').createCounter('sdk.requests').add(4);
    await mp.forceFlush();
    expect(sumValue((await receiver.requests())[0], 'sdk.requests')).to.equal(4);
    await mp.shutdown();
  });
});
