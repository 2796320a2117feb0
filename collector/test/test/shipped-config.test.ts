import { expect } from 'chai';
import { ExportResultCode } from '@opentelemetry/core';
import type { OtlpCompression, OtlpProtocol } from '@otelkit/otlp';
import {
  ensureCollector,
  parseOpenMetricsStrict,
  startCollector,
  startOtlpReceiver,
  startPrometheus,
  waitFor,
  type OtlpReceiver,
  type PrometheusServer,
  type RunningCollector,
} from '@otelkit/testkit';
import { spansInFile } from './trace-file.js';
import { cumulativeBuckets, Workload } from './workload.js';

const OPENMETRICS = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

interface Mode {
  readonly protocol: OtlpProtocol;
  readonly compression: OtlpCompression;
  /** service.instance.id, hence the `instance` label: keeps each mode's series apart. */
  readonly instance: string;
  /** Jobs per queue: different per mode so that a mix-up cannot pass. */
  readonly jobs: Record<string, number[]>;
}

const MODES: Mode[] = [
  { protocol: 'http/protobuf', compression: 'gzip', instance: 'proto-1', jobs: { fast: [0.05, 0.5, 0.7], slow: [2.5, 12] } },
  { protocol: 'http/json', compression: 'none', instance: 'json-1', jobs: { fast: [0.02, 0.2], slow: [5, 7, 9, 30] } },
];

describe('otel-collector.yaml end to end: OTLP in, Prometheus scrape out (real collector, real Prometheus)', () => {
  let collector: RunningCollector;
  let prom: PrometheusServer;

  before(async function () {
    this.timeout(40 * 60_000);
    await ensureCollector();
    this.timeout(60_000);
    collector = await startCollector();
    // honor_labels keeps the job / instance the exporter derives from service.name /
    // service.instance.id, as docs/COLLECTOR.md tells users to scrape it.
    prom = await startPrometheus({ targets: [collector.prometheusEndpoint], honorLabels: true, flags: ['--enable-feature=exemplar-storage'] });
  });
  after(async () => {
    await prom?.stop();
    await collector?.stop();
  });

  const value = async (expr: string): Promise<number | undefined> => {
    const r = await prom.query(expr);
    return r.length === 1 ? Number(r[0]!.value[1]) : undefined;
  };
  const eventually = (what: string, expr: string, expected: number): Promise<unknown> =>
    waitFor(`${what}: ${expr} == ${expected}`, async () => (await value(expr)) === expected, 15_000, 250).catch(async (e: Error) => {
      throw new Error(`${e.message} (last: ${JSON.stringify(await prom.query(expr))})`);
    });

  for (const mode of MODES) {
    describe(`${mode.protocol} (compression ${mode.compression})`, () => {
      let w: Workload;
      const sel = `job="collector-e2e",instance="${mode.instance}"`;

      before(async function () {
        this.timeout(30_000);
        w = new Workload(collector.otlpHttpUrl, mode.instance, { protocol: mode.protocol, compression: mode.compression });
        for (const [queue, durations] of Object.entries(mode.jobs)) for (const d of durations) w.job(queue, d, 2);
        w.cache(4096);
        w.cache(-1024);
        const result = await w.export();
        expect(result.code, String(result.error)).to.equal(ExportResultCode.SUCCESS);
        await w.tracerProvider.forceFlush();
        await prom.waitForTargetsUp();
      });
      after(() => w?.shutdown());

      it('the exporter reports the export as a success', () => {
        expect(w.metrics.health()).to.include({ exports: 1, failures: 0, consecutiveFailures: 0, droppedDataPoints: 0 });
      });

      it('a counter arrives in Prometheus as <name>_total with the recorded totals per attribute set', async () => {
        for (const [queue, n] of Object.entries(w.recorded.jobs)) {
          await eventually('jobs.done', `jobs_done_total{${sel},queue="${queue}"}`, n);
        }
      });

      it('a histogram in seconds arrives as _seconds_bucket / _sum / _count, buckets cumulative', async () => {
        for (const [queue, values] of Object.entries(w.recorded.durations)) {
          const q = `${sel},queue="${queue}"`;
          await eventually('job.duration count', `job_duration_seconds_count{${q}}`, values.length);
          expect(await value(`job_duration_seconds_sum{${q}}`)).to.be.closeTo(values.reduce((a, b) => a + b, 0), 1e-9);
          const buckets = await prom.query(`job_duration_seconds_bucket{${q}}`);
          // Scraped as OpenMetrics, `le` is stored in canonical float form ("1.0"): compare numbers.
          const got = Object.fromEntries(buckets.map((b) => [b.metric.le === '+Inf' ? '+Inf' : String(Number(b.metric.le)), Number(b.value[1])]));
          expect(got).to.deep.equal(cumulativeBuckets(values));
        }
      });

      it('an UpDownCounter in By arrives as a gauge named _bytes', async () => {
        await eventually('cache.size', `cache_size_bytes{${sel}}`, w.recorded.cacheBytes);
      });

      it('Prometheus records the types the OTLP points imply', async () => {
        const meta = await prom.api<Record<string, { type: string; unit: string }[]>>('metadata');
        expect(meta.jobs_done?.[0]?.type).to.equal('counter');
        expect(meta.job_duration_seconds?.[0]).to.include({ type: 'histogram' });
        expect(meta.cache_size_bytes?.[0]?.type).to.equal('gauge');
        expect(meta.target_info?.[0]?.type).to.equal('gauge');
      });

      it('resource attributes other than service.* reach target_info; scope name and version label every series', async () => {
        await eventually('target_info', `target_info{${sel},deployment_environment_name="test"}`, 1);
        const series = await prom.query(`jobs_done_total{${sel},queue="fast"}`);
        expect(series[0]!.metric).to.include({ otel_scope_name: 'collector-e2e', otel_scope_version: '1.2.3' });
      });

      it('the exporter serves OpenMetrics when asked, with exemplars carrying the ids of the spans active at record time', async () => {
        const res = await fetch(collector.prometheusUrl, { headers: { accept: OPENMETRICS } });
        expect(res.headers.get('content-type')).to.match(/^application\/openmetrics-text; version=/);
        const text = await res.text();
        expect(text.endsWith('# EOF\n')).to.equal(true);
        const families = parseOpenMetricsStrict(text);
        const histogram = families.find((f) => f.name === 'job_duration_seconds')!;
        for (const [queue, spans] of Object.entries(w.recorded.spans)) {
          const exemplars = histogram.samples
            .filter((s) => s.name === 'job_duration_seconds_bucket' && s.labels.instance === mode.instance && s.labels.queue === queue && s.exemplar)
            .map((s) => ({ le: s.labels.le!, ...s.exemplar! }));
          expect(exemplars, `exemplars of queue ${queue}`).to.not.be.empty;
          for (const ex of exemplars) {
            const span = spans.find((sp) => sp.traceId === ex.labels.trace_id);
            expect(span, `exemplar ${JSON.stringify(ex)} is one of the recorded spans`).to.not.equal(undefined);
            expect(ex.labels.span_id).to.equal(span!.spanId);
            expect(ex.value).to.equal(span!.value);
            // The exemplar sits on the bucket that holds its value.
            const le = ex.le === '+Inf' ? Infinity : Number(ex.le);
            const lower = [-Infinity, 0.1, 1, 10].filter((b) => b < le).pop()!;
            expect(ex.value).to.be.greaterThan(lower).and.at.most(le);
          }
        }
        const counter = families.find((f) => f.name === 'jobs_done')!;
        const withExemplar = counter.samples.filter((s) => s.labels.instance === mode.instance && s.exemplar);
        expect(withExemplar.map((s) => s.labels.queue).sort()).to.deep.equal(Object.keys(w.recorded.jobs).sort());
        for (const s of withExemplar) {
          expect(w.recorded.spans[s.labels.queue!]!.map((sp) => sp.traceId)).to.include(s.exemplar!.labels.trace_id);
        }
      });

      it('text 0.0.4 (no Accept) carries no exemplars', async () => {
        const res = await fetch(collector.prometheusUrl);
        expect(res.headers.get('content-type')).to.match(/^text\/plain; version=0\.0\.4/);
        const text = await res.text();
        expect(text).to.include(`jobs_done_total{instance="${mode.instance}"`);
        expect(text).to.not.include('trace_id');
      });

      it('Prometheus stores those exemplars, and the file exporter wrote the spans they point to', async () => {
        const all = Object.values(w.recorded.spans).flat();
        type ExemplarSeries = { seriesLabels: Record<string, string>; exemplars: { labels: Record<string, string>; value: string }[] }[];
        const stored = await waitFor('exemplars in Prometheus', async () => {
          const r = await prom.api<ExemplarSeries>('query_exemplars', {
            query: `job_duration_seconds_bucket{${sel}}`,
            start: String(Date.now() / 1000 - 600),
            end: String(Date.now() / 1000 + 60),
          });
          return r.length > 0 ? r : undefined;
        }, 15_000, 250);
        const traceIds = stored.flatMap((s) => s.exemplars.map((e) => e.labels.trace_id!));
        expect(traceIds).to.not.be.empty;
        for (const id of traceIds) expect(all.map((s) => s.traceId)).to.include(id);

        const inFile = await waitFor('the spans in the file exporter output', async () => {
          const spans = spansInFile(await collector.readTraceFile());
          return traceIds.every((id) => spans.has(id)) ? spans : undefined;
        }, 15_000, 250);
        for (const s of all) expect([...(inFile.get(s.traceId) ?? [])]).to.include(s.spanId);
      });

      it('a later cumulative export replaces the values (no double counting)', async () => {
        w.job('fast', 0.3, 5);
        expect((await w.export()).code).to.equal(ExportResultCode.SUCCESS);
        await eventually('jobs.done after a second export', `jobs_done_total{${sel},queue="fast"}`, w.recorded.jobs.fast!);
        await eventually('job.duration count after a second export', `job_duration_seconds_count{${sel},queue="fast"}`, w.recorded.durations.fast!.length);
      });
    });
  }

  it('the collector stays healthy and logged no export error', () => {
    expect(collector.output()).to.not.match(/\t(error|warn)\t/);
  });
});

describe('otel-collector.yaml: traces to a tracing backend through otlp_http/traces', () => {
  let backend: OtlpReceiver;
  let collector: RunningCollector;
  let w: Workload;

  before(async function () {
    this.timeout(40 * 60_000);
    await ensureCollector();
    this.timeout(300_000);
    backend = await startOtlpReceiver();
    collector = await startCollector({ env: { OTELKIT_TRACES_EXPORTERS: '[otlp_http/traces]', OTELKIT_TRACES_BACKEND_URL: backend.url } });
  });
  after(async () => {
    await w?.shutdown();
    await collector?.stop();
    await backend?.stop();
  });

  it('forwards the spans it receives (gzip, OTLP/protobuf) and writes no local file', async () => {
    w = new Workload(collector.otlpHttpUrl, 'traces-1');
    w.job('fast', 0.01);
    w.job('slow', 3);
    await w.tracerProvider.forceFlush();
    const ids = Object.values(w.recorded.spans).flat();
    const requests = await waitFor('the backend to receive the spans', async () => {
      const reqs = (await backend.requests()).filter((r) => r.path === '/v1/traces');
      const got = reqs.flatMap((r) => (r.body?.resource_spans ?? []).flatMap((rs: any) => rs.scope_spans.flatMap((ss: any) => ss.spans)));
      return ids.every((s) => got.some((g: any) => g.trace_id === s.traceId && g.span_id === s.spanId)) ? reqs : undefined;
    }, 15_000, 250);
    expect(requests[0]!.content_encoding).to.equal('gzip');
    expect(requests[0]!.content_type).to.equal('application/x-protobuf');
    expect(await collector.readTraceFile()).to.deep.equal([]);
  });
});
