import { expect } from 'chai';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { MeterProvider } from '@otelkit/metrics';
import { serializeOpenMetrics, serializeText } from '@otelkit/prometheus';
import { promtoolCheckMetrics, requirePeer, startPrometheus, tempDir, waitFor, type PrometheusServer } from '@otelkit/testkit';
import { initTelemetry } from '../src/index.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/hostile-input.mjs', import.meta.url));
/** Fixed so a failure can be replayed; OTELKIT_HOSTILE_SEED tries another. */
const SEED = Number(process.env.OTELKIT_HOSTILE_SEED ?? 20261123);
const OPS = 20_000;
const SETS = 100_000;

interface Family {
  name: string;
  type: string;
  unit: string;
  samples: { name: string; labels: Record<string, string>; value: number | string }[];
}

/**
 * The strict OpenMetrics parser of Debian's python3-prometheus-client, fed bytes: testkit's
 * `parseOpenMetricsStrict` reads stdin in text mode, where Python turns a CR inside a label value
 * (legal, unescaped, in both formats) into a line break and then rejects a valid exposition.
 */
function parseOpenMetricsBytes(text: string): Family[] {
  requirePeer('python3', ['/usr/bin/python3']);
  const script = `
import sys, json, math
from prometheus_client.openmetrics.parser import text_string_to_metric_families
def num(v):
    return v if isinstance(v, (int, float)) and math.isfinite(v) else str(v)
out = [{"name": f.name, "type": f.type, "unit": f.unit, "samples": [{"name": s.name, "labels": s.labels, "value": num(s.value)} for s in f.samples]}
       for f in text_string_to_metric_families(sys.stdin.buffer.read().decode("utf-8"))]
print(json.dumps(out))
`;
  const r = spawnSync('/usr/bin/python3', ['-c', script], { input: text, encoding: 'utf8', timeout: 60_000, maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`OpenMetrics parser rejected the exposition: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`);
  return JSON.parse(r.stdout) as Family[];
}

/**
 * promtool lint rules a hostile *user* triggers with the names and keys it chooses (camelCase keys,
 * a `le` key on a counter, "gauge" in a metric name, unit `ms`); otelkit keeps user keys as the
 * OTel compatibility spec says. Anything else — a parse error above all — is a failure.
 */
const USER_LINT = [
  /^label names should be written in 'snake_case' not 'camelCase'$/,
  /^non-histogram metrics should not have "le" label$/,
  /^non-summary metrics should not have "quantile" label$/,
  /^metric name should not include type '(counter|gauge|histogram)'$/,
  /^metric names should not contain abbreviated units$/,
  /^use base unit "seconds" instead of "milliseconds"$/,
  /^non-histogram metrics should not have "_bucket" suffix$/,
  /^non-histogram and non-summary metrics should not have "_(count|sum)" suffix$/,
  // A gauge the user named `….total`: otelkit never strips a name's own tokens (the Collector keeps them too).
  /^non-counter metrics should not have "_total" suffix$/,
];

function unexpectedPromtoolFindings(text: string): { status: number; findings: string[] } {
  const r = promtoolCheckMetrics(text);
  const findings = r.output
    .split('\n')
    .filter((l) => l !== '')
    .filter((l) => !USER_LINT.some((re) => re.test(l.replace(/^[a-zA-Z_:][a-zA-Z0-9_:]* /, ''))));
  return { status: r.status, findings };
}

interface Expected {
  requests: Record<string, number>;
  latency: Record<string, { counts: number[]; sum: number; count: number }>;
  inflight: number;
  temperature: number | undefined;
  bound: number;
  tricky: Record<string, number>;
  cardinality: { series: number; seriesTotal: number; overflow: number };
}

interface Result {
  seed: number;
  url: string;
  apiOps: number;
  hostileOps: number;
  endpointOps: number;
  distinctSets: number;
  elapsedMs: number;
  escaped: Record<string, { count: number; first: string }>;
  endpointProblems: string[];
  endpointProblemCount: number;
  statusCounts: Record<string, number>;
  diag: { warn: number; error: number; callback: number; at: { setup: number; phase1: number; phase2: number }; samples: string[]; latest: string[]; errors: string[] };
  heapMb: { setup: number; phase1: number; phase2: number };
  seriesCount: number;
  instrumentCount: number;
  cardinalityLimit: number;
  expected: Expected;
  scrapes: { file: string; format: 'text' | 'om'; bytes: number }[];
}

/**
 * The rest of the complete line that starts with `tag `. Split on LF only: the JSON may hold
 * U+2028, which a RegExp `$` would take for a line end.
 */
function lineAfter(text: string, tag: string): string | undefined {
  const at = text.startsWith(`${tag} `) ? 0 : text.indexOf(`\n${tag} `) + 1;
  if (at === 0 && !text.startsWith(`${tag} `)) return undefined;
  const end = text.indexOf('\n', at);
  return end < 0 ? undefined : text.slice(at + tag.length + 1, end);
}

function sample(families: Family[], family: string, name: string, labels: Record<string, string>): number {
  const f = families.find((x) => x.name === family);
  expect(f, `family ${family}`).to.not.equal(undefined);
  const s = f!.samples.filter((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v));
  expect(s, `${name}${JSON.stringify(labels)}`).to.have.length(1);
  return Number(s[0]!.value);
}

describe('hostile input at volume: seeded operations against the API and /metrics, good data alongside', function () {
  this.timeout(240_000);
  let child: ChildProcessWithoutNullStreams;
  let out = '';
  let result: Result;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let prom: PrometheusServer | undefined;

  /** Sends a command to the fixture and waits for its answer line. */
  const ask = async (command: string, answer: string, timeoutMs: number): Promise<unknown> => {
    const from = out.length;
    child.stdin.write(`${command}\n`);
    return JSON.parse(await waitFor(`the fixture to answer ${command}`, () => lineAfter(out.slice(from), answer), timeoutMs, 50));
  };

  before(async function () {
    this.timeout(180_000);
    dir = await tempDir('hostile');
    child = spawn(process.execPath, ['--expose-gc', FIXTURE], {
      env: { PATH: process.env.PATH ?? '', SEED: String(SEED), OPS: String(OPS), SETS: String(SETS), OUT_DIR: dir.path },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const line = await waitFor(
      'the hostile run to finish',
      () => {
        if (child.exitCode !== null) throw new Error(`hostile fixture exited with code ${child.exitCode}:\n${out.slice(-3000)}`);
        return lineAfter(out, 'RESULT');
      },
      150_000,
      100,
    );
    result = JSON.parse(line) as Result;
  });

  after(async () => {
    await prom?.stop();
    if (child && child.exitCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.stdin.end();
      child.kill('SIGTERM');
      await gone;
    }
    await dir?.remove();
  });

  it(`runs ≥ 10,000 hostile operations (seed ${SEED}), ≥ 100,000 distinct attribute sets on one instrument and hostile HTTP requests`, () => {
    expect(result.seed).to.equal(SEED);
    expect(result.hostileOps).to.be.at.least(10_000);
    expect(result.distinctSets).to.be.at.least(100_000);
    expect(result.endpointOps).to.be.at.least(100);
  });

  it('no exception escapes the API: record calls, instrument and meter creation, callbacks, bind, context argument', () => {
    const summary = Object.entries(result.escaped).map(([k, v]) => `${k}: ${v.count}× ${v.first}`);
    expect(summary, summary.join('\n')).to.deep.equal([]);
  });

  it('the endpoint answers every hostile request with 200, 404 or 405 and, on 200, a complete body of the negotiated format', () => {
    expect(result.endpointProblems, `${result.endpointProblemCount} problems: ${result.endpointProblems.join('\n')}`).to.deep.equal([]);
    expect(result.statusCounts['200']).to.be.above(0);
    expect(result.statusCounts['404']).to.be.above(0);
    expect(result.statusCounts['405']).to.be.above(0);
  });

  it('warnings are bounded: a fixed total, and a second half as long as the first adds (almost) none', () => {
    const d = result.diag;
    const detail = `first: ${d.samples.join('\n')}\nlatest: ${d.latest.join('\n')}`;
    // One warning per (instrument, kind): ~20 instruments × a handful of kinds, plus one per clashing name.
    expect(d.at.phase2, detail).to.be.at.most(200);
    // A kind first met in the second half is possible (random draws), a steady stream is not.
    expect(d.at.phase2 - d.at.phase1, detail).to.be.at.most(5);
    // Three failing callbacks (throw, reject, batch throw), at most one warning each per collection.
    const collections = (result.statusCounts['200'] ?? 0) + result.scrapes.length;
    expect(d.callback).to.be.at.most(3 * collections);
  });

  it('nothing is logged through diag.error', () => {
    expect(result.diag.errors).to.deep.equal([]);
    expect(result.diag.error).to.equal(0);
  });

  it('memory is bounded by the cardinality limit, not by the number of operations or attribute sets', () => {
    const { heapMb, seriesCount, instrumentCount, cardinalityLimit } = result;
    expect(cardinalityLimit).to.equal(2000);
    expect(seriesCount).to.be.at.most(instrumentCount * cardinalityLimit);
    // 200,000 distinct sets as series would take ≥ 85 MB at the 437 B per series measured in bench/.
    expect(heapMb.phase2 - heapMb.setup, JSON.stringify(heapMb)).to.be.below(24);
    // The second half (20,000 more operations, 100,000 more new sets) finds every instrument full.
    expect(heapMb.phase2 - heapMb.phase1, JSON.stringify(heapMb)).to.be.below(8);
  });

  it('every saved scrape (before, mid-run, after each half) passes promtool (text) and the strict OpenMetrics parser', () => {
    expect(result.scrapes.map((s) => s.file.replace(/.*\//, ''))).to.deep.equal(['setup.txt', 'setup.om', 'phase1-half.txt', 'phase1-half.om', 'phase1.txt', 'phase1.om', 'phase2.txt', 'phase2.om']);
    for (const s of result.scrapes) {
      const text = readFileSync(s.file, 'utf8');
      if (s.format === 'text') {
        const r = unexpectedPromtoolFindings(text);
        expect(r.findings, `${s.file}: promtool exit ${r.status}`).to.deep.equal([]);
        expect([0, 3], `${s.file}: promtool exit ${r.status} (1 is a parse error)`).to.include(r.status);
        if (s.file.endsWith('setup.txt')) expect(promtoolCheckMetrics(text)).to.deep.equal({ status: 0, output: '' });
      } else {
        expect(text.endsWith('\n# EOF\n')).to.equal(true);
        expect(() => parseOpenMetricsBytes(text), s.file).to.not.throw();
      }
    }
  });

  describe('the endpoint after the run', () => {
    let families: Family[];
    before(async () => {
      const res = await fetch(result.url, { headers: { accept: 'application/openmetrics-text;version=1.0.0' } });
      expect(res.status).to.equal(200);
      families = parseOpenMetricsBytes(await res.text());
    });

    it('good data recorded among the hostile data is exact: counters, histogram buckets, up-down counter, gauges, observables', () => {
      const e = result.expected;
      const scope = { otel_scope_name: 'good' };
      for (const [key, v] of Object.entries(e.requests)) {
        const [route, status] = JSON.parse(key) as [string, string];
        expect(sample(families, 'good_requests', 'good_requests_total', { ...scope, route, status })).to.equal(v);
      }
      // No other series: a rejected measurement (NaN, -1, '5' …) must not create one.
      const seen = families.find((f) => f.name === 'good_requests')!.samples.map((s) => JSON.stringify([s.labels.route, s.labels.status]));
      expect(seen.filter((k) => !(k in e.requests)), 'series nobody recorded into').to.deep.equal([]);
      for (const [route, h] of Object.entries(e.latency)) {
        let cum = 0;
        ['0.01', '0.1', '1.0', '5.0', '+Inf'].forEach((le, i) => {
          cum += h.counts[i]!;
          expect(sample(families, 'good_latency_seconds', 'good_latency_seconds_bucket', { ...scope, route, le }), `${route} le=${le}`).to.equal(cum);
        });
        expect(sample(families, 'good_latency_seconds', 'good_latency_seconds_count', { ...scope, route })).to.equal(h.count);
        expect(sample(families, 'good_latency_seconds', 'good_latency_seconds_sum', { ...scope, route })).to.equal(h.sum);
      }
      expect(sample(families, 'good_inflight', 'good_inflight', scope)).to.equal(e.inflight);
      expect(sample(families, 'good_temperature_celsius', 'good_temperature_celsius', scope)).to.equal(e.temperature);
      expect(sample(families, 'good_bound', 'good_bound_total', { ...scope, worker: 'w1' })).to.equal(e.bound);
      expect(sample(families, 'good_queue_depth', 'good_queue_depth', { ...scope, queue: 'a' })).to.equal(7);
      expect(sample(families, 'good_queue_depth', 'good_queue_depth', { ...scope, queue: 'b' })).to.equal(3);
      expect(sample(families, 'good_batch_depth', 'good_batch_depth', { ...scope, source: 'batch' })).to.equal(11);
    });

    it('the instrument with 200,000 distinct attribute sets has limit − 1 series plus the overflow series, with exact totals', () => {
      const e = result.expected.cardinality;
      const samples = families.find((f) => f.name === 'hostile_cardinality')!.samples;
      expect(samples).to.have.length(result.cardinalityLimit);
      const overflow = samples.filter((s) => s.labels.otel_metric_overflow === 'true');
      expect(overflow).to.have.length(1);
      expect(overflow[0]!.labels.id).to.equal(undefined);
      expect(overflow[0]!.value).to.equal(e.overflow);
      const own = samples.filter((s) => s.labels.otel_metric_overflow === undefined);
      expect(own).to.have.length(e.series);
      expect(own.reduce((n, s) => n + Number(s.value), 0)).to.equal(e.seriesTotal);
      expect(new Set(own.map((s) => s.labels.id)).size).to.equal(e.series);
    });

    it('label values with quotes, backslashes, newlines, CR, NUL, separators and non-ASCII text come back exactly', () => {
      const got: Record<string, number> = {};
      for (const s of families.find((f) => f.name === 'hostile_labels')!.samples) got[s.labels.value!] = Number(s.value);
      expect(got).to.deep.equal(result.expected.tricky);
    });
  });

  describe('a real Prometheus scrapes the endpoint while hostile operations continue', () => {
    before(async () => {
      // A 2 s interval (1.8 s scrape timeout): the test is about scrapes that parse and add up, and
      // on 2 loaded cores a scrape during the churn took up to 1.4 s (the 1 s interval's 0.9 s
      // timeout turned that into `up == 0`, a latency artefact, not a corrupted exposition).
      prom = await startPrometheus({ targets: [new URL(result.url).host], scrapeIntervalSeconds: 2 });
      await prom.waitForTargetsUp(30_000);
    });

    it('every scrape succeeds (OpenMetrics, by its default Accept), none has a duplicate sample, and the values are the recorded ones', async () => {
      const churn = (await ask('churn 5000', 'CHURNED', 30_000)) as { ops: number; escaped: number };
      expect(churn.ops).to.be.above(1000);
      // Two more scrapes after the churn, so every state of it was scraped.
      await new Promise((r) => setTimeout(r, 4500));
      const window = '30s';
      // `up{otel_scope_name=""}`: the scrape's own up — a hostile instrument is named "up" too.
      const up = await prom!.query(`min_over_time(up{otel_scope_name=""}[${window}])`);
      expect(up.map((r) => r.value[1])).to.deep.equal(['1']);
      const scrapes = await prom!.query(`count_over_time(up{otel_scope_name=""}[${window}])`);
      expect(Number(scrapes[0]!.value[1])).to.be.at.least(5);
      type Targets = { activeTargets: { health: string; lastError: string }[] };
      const targets = await prom!.api<Targets>('targets');
      expect(targets.activeTargets.map((t) => [t.health, t.lastError])).to.deep.equal([['up', '']]);

      const stats = (await ask('stats', 'STATS', 10_000)) as { promRequests: { accept: string; status: number; type: string }[] };
      expect(stats.promRequests.length).to.be.at.least(5);
      for (const r of stats.promRequests) {
        expect(r.accept.startsWith('application/openmetrics-text')).to.equal(true);
        expect(r.status).to.equal(200);
        expect(r.type).to.equal('application/openmetrics-text; version=1.0.0; charset=utf-8');
      }

      // Prometheus' own counters: samples it dropped as duplicates or for another reason.
      const own = await (await fetch(`${prom!.url}/metrics`)).text();
      for (const m of ['prometheus_target_scrapes_sample_duplicate_timestamp_total', 'prometheus_target_scrapes_sample_out_of_order_total', 'prometheus_target_scrapes_sample_out_of_bounds_total']) {
        expect(new RegExp(`^${m} (\\S+)$`, 'm').exec(own)?.[1], m).to.equal('0');
      }

      const value = async (expr: string): Promise<number> => Number((await prom!.query(expr))[0]?.value[1]);
      const e = result.expected;
      for (const [key, v] of Object.entries(e.requests)) {
        const [route, status] = JSON.parse(key) as [string, string];
        expect(await value(`good_requests_total{route=${JSON.stringify(route)},status="${status}"}`)).to.equal(v);
      }
      expect(await value('good_bound_total')).to.equal(e.bound);
      expect(await value('hostile_cardinality_total{otel_metric_overflow="true"}')).to.equal(e.cardinality.overflow);
      expect(await value('count(hostile_cardinality_total)')).to.equal(result.cardinalityLimit);
      const labels = await prom!.query('hostile_labels_total');
      const got: Record<string, number> = {};
      for (const r of labels) got[r.metric.value!] = Number(r.value[1]);
      expect(got).to.deep.equal(e.tricky);
    });
  });
});

describe('regressions found by the hostile run', () => {
  const provider = (): MeterProvider => new MeterProvider({ cardinalityLimit: 2000 });

  describe('getMeter() with a version or schemaUrl that is not a string', () => {
    it('a numeric, null or object version does not make every later /metrics answer 500', async () => {
      const tel = initTelemetry({ serviceName: 'meter-version', env: {}, runtimeMetrics: false, shutdownHooks: false, prometheus: { host: '127.0.0.1', port: 0 } });
      try {
        await tel.ready;
        tel.meter('fine').createCounter('fine').add(1);
        for (const version of [5, null, {}] as unknown as string[]) {
          tel.meterProvider.getMeter('odd-version', version).createCounter('odd').add(1);
          const res = await fetch(tel.metricsUrl!);
          expect(res.status, `after getMeter('odd-version', ${JSON.stringify(version)})`).to.equal(200);
          expect(await res.text()).to.contain('fine_total');
        }
      } finally {
        await tel.shutdown();
      }
    });

    it('a Symbol version or schemaUrl does not throw', () => {
      const p = provider();
      expect(() => p.getMeter('m', Symbol('v') as unknown as string)).to.not.throw();
      expect(() => p.getMeter('m', '1', { schemaUrl: Symbol('s') as unknown as string })).to.not.throw();
    });
  });

  it('instrument names and units of any type: a null-prototype object name or a BigInt unit does not throw', () => {
    const m = provider().getMeter('m');
    expect(() => m.createCounter(Object.create(null) as string)).to.not.throw();
    expect(() => m.createHistogram('ok.name', { unit: 10n as unknown as string })).to.not.throw();
  });

  it('a rejected measurement (NaN, ±Infinity, negative counter add, non-number) creates no series and uses no cardinality', () => {
    const p = new MeterProvider({ cardinalityLimit: 3 });
    const m = p.getMeter('m');
    const c = m.createCounter('c');
    const h = m.createHistogram('h');
    const g = m.createGauge('g');
    for (const [i, v] of [NaN, Infinity, -Infinity, '5', null, 5n].entries()) {
      c.add(v as number, { rejected: i });
      h.record(v as number, { rejected: i });
      g.record(v as number, { rejected: i });
    }
    // Negative: rejected by counters and histograms (a gauge takes it).
    c.add(-1, { rejected: 'negative' });
    h.record(-1, { rejected: 'negative' });
    c.add(1, { good: 'a' });
    h.record(1, { good: 'a' });
    g.record(1, { good: 'a' });
    for (const s of p.store.instruments) expect(s.cells.map((x) => x.attributes), s.descriptor.name).to.deep.equal([{ good: 'a' }]);
  });

  it('addBatchObservableCallback / removeBatchObservableCallback with observables that are not an array do not throw', () => {
    const m = provider().getMeter('m');
    const g = m.createObservableGauge('g');
    m.addBatchObservableCallback(() => undefined, [g]);
    for (const bad of [null, undefined, 5, {}]) {
      expect(() => m.addBatchObservableCallback(() => undefined, bad as never), `add ${String(bad)}`).to.not.throw();
      expect(() => m.removeBatchObservableCallback(() => undefined, bad as never), `remove ${String(bad)}`).to.not.throw();
    }
  });

  it('a third argument that is not a Context (with the context manager initTelemetry() registers) does not throw', async () => {
    const tel = initTelemetry({ serviceName: 'bad-context', env: {}, runtimeMetrics: false, shutdownHooks: false, prometheus: false });
    try {
      const m = tel.meter('ctx');
      const c = m.createCounter('c');
      const h = m.createHistogram('h');
      for (const ctx of ['not a context', {}, 5, { getValue: 5 }]) {
        expect(() => c.add(1, {}, ctx as never), JSON.stringify(ctx)).to.not.throw();
        expect(() => h.record(1, {}, ctx as never), JSON.stringify(ctx)).to.not.throw();
      }
    } finally {
      await tel.shutdown();
    }
  });

  describe('warnings keyed by user data grow without bound', () => {
    let messages: string[];
    beforeEach(() => {
      messages = [];
      const log = (m: string): void => void messages.push(m);
      diag.setLogger({ error: log, warn: log, info: () => {}, debug: () => {}, verbose: () => {} }, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
    });
    afterEach(() => diag.disable());

    it('invalid instrument names: 500 distinct ones log at most a few warnings', () => {
      const m = provider().getMeter('m');
      for (let i = 0; i < 500; i++) m.createCounter(`requests for /route/${i}`).add(1);
      expect(messages.length, messages.slice(0, 3).join('\n')).to.be.at.most(5);
    });

    it('attribute keys with no Prometheus label name left: 500 distinct ones log at most a few warnings per instrument', () => {
      const p = provider();
      const c = p.getMeter('m').createCounter('c');
      for (let i = 0; i < 500; i++) c.add(1, { ['😀'.repeat(1 + (i % 50)) + '!'.repeat(Math.floor(i / 50))]: 'v' });
      serializeText(p.store);
      expect(messages.length, messages.slice(0, 3).join('\n')).to.be.at.most(5);
    });
  });

  describe('OpenMetrics expositions the strict parser rejects', () => {
    it('one counter with {status: 200} and {status: "200"}: two OTel series, one label set — written once', () => {
      const p = provider();
      const c = p.getMeter('m').createCounter('http.requests');
      c.add(1, { status: 200 });
      c.add(2, { status: '200' });
      const text = serializeOpenMetrics(p.store);
      expect(text.match(/^http_requests_total\{.*status="200".*$/gm), text).to.have.length(1);
      expect(() => parseOpenMetricsBytes(text)).to.not.throw();
    });

    it('an attribute key that sanitizes to nothing next to the same set without it: written once', () => {
      const p = provider();
      const c = p.getMeter('m').createCounter('jobs');
      c.add(1, { queue: 'a' });
      c.add(1, { queue: 'b' });
      c.add(1, { queue: 'a', '😀': 'x' });
      const text = serializeOpenMetrics(p.store);
      expect(text.match(/^jobs_total\{.*queue="a".*$/gm), text).to.have.length(1);
      expect(() => parseOpenMetricsBytes(text)).to.not.throw();
    });

    it('two different lone surrogates (both U+FFFD once UTF-8 encoded) in one label: written once', () => {
      const p = provider();
      const c = p.getMeter('m').createCounter('chars');
      c.add(1, { w: '\ud800' });
      c.add(1, { w: 'x' });
      c.add(1, { w: '\udc00' });
      const text = serializeOpenMetrics(p.store);
      expect(text.match(/^chars_total\{.*w="\ufffd".*$/gm), text).to.have.length(1);
      expect(() => parseOpenMetricsBytes(text)).to.not.throw();
    });

    it('an ObservableCounter callback observing a negative value: no negative _total sample', () => {
      const p = provider();
      p.getMeter('m').createObservableCounter('pages').addCallback((r) => r.observe(-5));
      p.store.observeSync();
      const text = serializeOpenMetrics(p.store);
      expect(text).to.not.match(/^pages_total\S* -/m);
      expect(() => parseOpenMetricsBytes(text)).to.not.throw();
    });

    it('a counter "jobs" and a gauge "jobs.created": the gauge must not take the counter family\'s _created name', () => {
      const p = provider();
      const m = p.getMeter('m');
      m.createCounter('jobs').add(1);
      m.createGauge('jobs.created').record(5);
      expect(() => parseOpenMetricsBytes(serializeOpenMetrics(p.store))).to.not.throw();
    });
  });

  it('initTelemetry() logs no diag error at start-up (resource attributes were read before the async host detector settled)', () => {
    // A fresh process: the global API registrations of earlier tests must not count.
    const script = `
      import { diag, DiagLogLevel } from '@opentelemetry/api';
      const errors = [];
      diag.setLogger({ error: (m) => errors.push(m), warn() {}, info() {}, debug() {}, verbose() {} }, DiagLogLevel.WARN);
      const { initTelemetry } = await import('@otelkit/telemetry');
      const tel = initTelemetry({ serviceName: 'quiet-start', env: {}, runtimeMetrics: false, shutdownHooks: false, prometheus: false });
      await tel.shutdown();
      console.log(JSON.stringify(errors));
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: fileURLToPath(new URL('.', import.meta.url)), encoding: 'utf8', timeout: 20_000 });
    expect(r.status, r.stderr).to.equal(0);
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).to.deep.equal([]);
  });

  it('initTelemetry() again after shutdown() logs no "duplicate registration" error (shutdown leaves the context manager and propagator registered)', async () => {
    const first = initTelemetry({ serviceName: 'first', env: {}, runtimeMetrics: false, shutdownHooks: false, prometheus: false });
    await first.shutdown();
    const errors: string[] = [];
    diag.setLogger({ error: (m) => void errors.push(m), warn: () => {}, info: () => {}, debug: () => {}, verbose: () => {} }, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
    const second = initTelemetry({ serviceName: 'second', env: {}, runtimeMetrics: false, shutdownHooks: false, prometheus: false });
    try {
      expect(errors.filter((e) => /duplicate registration/.test(e)).map((e) => e.split('\n')[0])).to.deep.equal([]);
    } finally {
      diag.disable();
      await second.shutdown();
    }
  });
});
