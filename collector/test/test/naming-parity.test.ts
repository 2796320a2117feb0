import { expect } from 'chai';
import type { Attributes } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, MetricProducer, type InstrumentKind } from '@otelkit/metrics';
import { OTLPMetricExporter } from '@otelkit/otlp';
import { serializeText } from '@otelkit/prometheus';
import { ensureCollector, startCollector, waitFor, type RunningCollector } from '@otelkit/testkit';

/**
 * Name and label parity between otelkit's own /metrics and the Collector's `prometheus` exporter,
 * for names that already carry a unit, `_total` or `_ratio`, names with those words elsewhere, and
 * units of every shape: suffixes are only ever added, never stripped, on both paths alike.
 * AnyValue attributes (maps, byte arrays, nested arrays) must print the same label values too.
 */
const INSTRUMENTS: [name: string, unit: string, kind: InstrumentKind][] = [
  ['requests', '', 'counter'],
  ['requests_total', '', 'counter'],
  ['total.requests', '', 'counter'],
  ['bytes.total', 'By', 'counter'],
  ['time_seconds_total', 's', 'counter'],
  ['process.cpu.seconds', 's', 'counter'],
  ['http.requests', '1', 'counter'],
  ['jobs', '{job}', 'observablecounter'],
  ['cpu_usage', '1', 'gauge'],
  ['cpu_usage_ratio', '1', 'observablegauge'],
  ['ratio.used', '1', 'gauge'],
  ['queue.fill', '1', 'updowncounter'],
  ['queue.total', '', 'gauge'],
  ['tasks.total', '{task}', 'updowncounter'],
  ['latency.total', 's', 'histogram'],
  ['response_time_seconds', 's', 'gauge'],
  ['seconds.spent', 's', 'gauge'],
  ['http.server.request.duration', 's', 'histogram'],
  ['db.duration', 'ms', 'histogram'],
  ['heap', 'KiBy', 'updowncounter'],
  ['throughput', 'By/s', 'gauge'],
  ['requests.rate', '1/s', 'gauge'],
  ['total', '', 'gauge'],
  // Not here: a counter named only `total` (otelkit `total_total`, Collector `total`: a documented
  // Deviation in naming.ts — `total` alone leaves no OpenMetrics family name).
];

const ANY_ATTRIBUTES = { route: '/a', ctx: { user: 'u1', tags: ['x', 2, null, true] }, body: new Uint8Array([0, 255, 10]), nested: [[1, 'a'], { k: false }] } as unknown as Attributes;

/** `name{labels}` of every sample in a text exposition, scope and resource labels left out. */
function sampleKeys(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? /.exec(line);
    if (!m || m[1] === 'target_info') continue;
    const labels: string[] = [];
    const body = m[2] ?? '';
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
    for (let l = re.exec(body); l; l = re.exec(body)) {
      if (['otel_scope_name', 'otel_scope_version', 'otel_scope_schema_url', 'job', 'instance'].includes(l[1]!) || l[1]!.startsWith('otel_scope_')) continue;
      labels.push(`${l[1]}="${l[2]}"`);
    }
    out.push(`${m[1]}{${labels.sort().join(',')}}`);
  }
  return out.sort();
}

describe('name and label parity: otelkit /metrics vs the Collector prometheus exporter (suffixes only added, AnyValue labels)', () => {
  let collector: RunningCollector;
  let own: string;
  let theirs: string;

  before(async function () {
    this.timeout(40 * 60_000);
    await ensureCollector();
    this.timeout(60_000);
    collector = await startCollector();
    const mp = new MeterProvider({ exemplarFilter: 'always_off' });
    const m = mp.getMeter('naming');
    for (const [name, unit, kind] of INSTRUMENTS) {
      // One label value per instrument, so that same-named families do not hide each other's samples.
      const attrs = { route: '/a', case: `${name}|${unit}|${kind}` };
      switch (kind) {
        case 'counter':
          m.createCounter(name, { unit }).add(1, attrs);
          break;
        case 'updowncounter':
          m.createUpDownCounter(name, { unit }).add(2, attrs);
          break;
        case 'gauge':
          m.createGauge(name, { unit }).record(3, attrs);
          break;
        case 'histogram':
          m.createHistogram(name, { unit, advice: { explicitBucketBoundaries: [1] } }).record(0.5, attrs);
          break;
        case 'observablecounter':
          m.createObservableCounter(name, { unit }).addCallback((r) => r.observe(4, attrs));
          break;
        case 'observablegauge':
          m.createObservableGauge(name, { unit }).addCallback((r) => r.observe(5, attrs));
          break;
        default:
          throw new Error(kind);
      }
    }
    m.createCounter('anyvalue.requests').add(1, ANY_ATTRIBUTES);
    // Duplicate registrations (metrics SDK spec): another unit is a second metric; another
    // description records into the first; the same name in another meter is another scope.
    m.createCounter('dup.jobs').add(1, { d: 'a' });
    m.createCounter('dup.jobs', { unit: 's' }).add(2, { d: 'b' });
    m.createCounter('dup.described', { description: 'first' }).add(1, { d: 'c' });
    m.createCounter('dup.described', { description: 'second' }).add(2, { d: 'c' });
    mp.getMeter('naming.other', '2.0.0').createCounter('dup.jobs').add(4, { d: 'a' });
    const resource = resourceFromAttributes({ 'service.name': 'naming-parity', 'service.instance.id': 'n1' });
    await mp.store.observe();
    own = serializeText(mp.store, resource);
    const { resourceMetrics } = await new MetricProducer(mp.store, resource).collect();
    const exporter = new OTLPMetricExporter({ url: `${collector.otlpHttpUrl}/v1/metrics`, timeoutMillis: 5000 });
    const result = await exporter.exportAsync(resourceMetrics);
    await exporter.shutdown();
    expect(result.code, String(result.error)).to.equal(0);
    await waitFor('the collector to expose the exported metrics', async () => {
      theirs = await (await fetch(collector.prometheusUrl, { headers: { accept: 'text/plain;version=0.0.4' } })).text();
      return theirs.includes('anyvalue_requests_total');
    }, 15_000, 100);
  });
  after(() => collector?.stop());

  it('no family is declared twice on either path (duplicate registrations, same-named families)', () => {
    for (const text of [own, theirs]) {
      const types = text.split('\n').filter((l) => l.startsWith('# TYPE '));
      expect(types.length, text).to.equal(new Set(types.map((l) => l.split(' ')[2])).size);
    }
  });

  it('duplicate registrations: another unit is a second family, another description one metric, another meter another scope, on both paths', () => {
    for (const text of [own, theirs]) {
      const lines = text.split('\n');
      const pick = (prefix: string) => lines.filter((l) => l.startsWith(prefix)).map((l) => [l.includes('otel_scope_name="naming.other"') ? 'other' : 'naming', l.slice(l.lastIndexOf(' ') + 1)]).sort();
      expect(pick('dup_jobs_total{'), text).to.deep.equal([['naming', '1'], ['other', '4']]);
      expect(pick('dup_jobs_seconds_total{')).to.deep.equal([['naming', '2']]);
      expect(pick('dup_described_total{')).to.deep.equal([['naming', '3']]);
    }
  });

  it('every sample has the same name and labels on both paths', () => {
    const a = sampleKeys(own);
    const b = sampleKeys(theirs);
    expect(a.filter((k) => !b.includes(k)), 'only on otelkit /metrics').to.deep.equal([]);
    expect(b.filter((k) => !a.includes(k)), 'only on the Collector').to.deep.equal([]);
  });
});
