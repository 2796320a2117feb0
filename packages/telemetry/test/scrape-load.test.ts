import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseOpenMetricsStrict, promtoolCheckMetrics, tempDir, waitFor } from '@otelkit/testkit';

const SERVICE = fileURLToPath(new URL('./fixtures/scrape-load-service.mjs', import.meta.url));
const CLIENT = fileURLToPath(new URL('./fixtures/scrape-load-client.mjs', import.meta.url));
// Bounded in count and time. docs/LOAD.md reports runs of this test (OTELKIT_LOAD_* change the bounds).
const REQUESTS = Number(process.env.OTELKIT_LOAD_REQUESTS ?? 2000);
const DURATION_MS = Number(process.env.OTELKIT_LOAD_SECONDS ?? 20) * 1000;
const CONCURRENCY = Number(process.env.OTELKIT_LOAD_CONCURRENCY ?? 4);

interface Ready {
  url: string;
  series: number;
  families: number;
  sampleLines: number;
}

interface Percentiles {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

interface LoadResult {
  requests: number;
  elapsedMs: number;
  requestsPerSecond: number;
  concurrency: number;
  megabytesOnWire: number;
  latencyMs: Record<'all' | 'text' | 'text+gzip' | 'openmetrics' | 'openmetrics+gzip', Percentiles>;
  monotonicChecks: number;
  failures: string[];
  failureCount: number;
  saved: { file: string; format: 'text' | 'om' }[];
}

/** Runs a fixture to its end; resolves with its stdout. */
function run(file: string, env: Record<string, string>, limitMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${file} did not end within ${limitMs} ms: ${err}`));
    }, limitMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${file} exited with ${code}: ${err}`));
    });
  });
}

describe('/metrics scraped under load from a second process while the service records continuously (10k series)', function () {
  this.timeout(DURATION_MS + 90_000);
  let service: ChildProcess;
  let serviceOut = '';
  let ready: Ready;
  let result: LoadResult;
  let recordedDuring: number;
  let dir: Awaited<ReturnType<typeof tempDir>>;

  const recorded = (): number => Number(/RECORDED (\d+)\n(?![\s\S]*RECORDED)/.exec(serviceOut)?.[1] ?? NaN);

  before(async function () {
    this.timeout(DURATION_MS + 60_000);
    dir = await tempDir('scrape-load');
    service = spawn(process.execPath, [SERVICE], { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    service.stdout!.on('data', (b: Buffer) => (serviceOut += b.toString()));
    service.stderr!.on('data', (b: Buffer) => (serviceOut += b.toString()));
    const line = await waitFor('the service to be ready', () => {
      if (service.exitCode !== null) throw new Error(`service exited with code ${service.exitCode}: ${serviceOut}`);
      return /^READY (.*)$/m.exec(serviceOut)?.[1];
    }, 30_000, 50);
    ready = JSON.parse(line) as Ready;
    await waitFor('the service to report recording', () => recorded() > 0, 10_000, 50);
    const before = recorded();
    const out = await run(
      CLIENT,
      {
        URL: ready.url,
        REQUESTS: String(REQUESTS),
        DURATION_MS: String(DURATION_MS),
        CONCURRENCY: String(CONCURRENCY),
        FAMILIES: String(ready.families),
        SAMPLE_LINES: String(ready.sampleLines),
        OUT_DIR: dir.path,
        SAVE_EVERY: String(Math.max(40, Math.floor(REQUESTS / 5))),
      },
      DURATION_MS + 30_000,
    );
    recordedDuring = recorded() - before;
    result = JSON.parse(out.trim().split('\n').pop()!) as LoadResult;
    const l = result.latencyMs;
    // The figures docs/LOAD.md quotes; printed, never asserted (benchmarks are not timed tests).
    console.log(
      `      scrape load: ${result.requests} requests in ${(result.elapsedMs / 1000).toFixed(1)} s = ${result.requestsPerSecond} req/s ` +
        `(concurrency ${result.concurrency}, ${ready.series} series, ${result.megabytesOnWire} MB); latency ms p50/p90/p99/max: ` +
        Object.entries(l)
          .map(([k, p]) => `${k} ${p.p50}/${p.p90}/${p.p99}/${p.max}`)
          .join('; ') +
        `; service recorded ${(recordedDuring / (result.elapsedMs / 1000) / 1e6).toFixed(1)} M measurements/s meanwhile`,
    );
  });

  after(async () => {
    if (service && service.exitCode === null) {
      const gone = new Promise((r) => service.once('exit', r));
      service.kill('SIGTERM');
      await gone;
    }
    await dir?.remove();
  });

  it('the service has 10,000 series in 5 instruments (+ target_info)', () => {
    expect(ready.series).to.equal(10_000);
    expect(ready.families).to.equal(6);
  });

  it('the load is bounded in count and time, covers all four variants, and the service kept recording throughout', () => {
    expect(result.requests).to.be.at.most(REQUESTS);
    expect(result.requests === REQUESTS || result.elapsedMs >= DURATION_MS, `${result.requests} requests in ${result.elapsedMs} ms`).to.equal(true);
    // Bounded above by the time limit plus one scrape per worker in flight (10 s request time-out).
    expect(result.elapsedMs).to.be.below(DURATION_MS + 10_000);
    for (const v of ['text', 'text+gzip', 'openmetrics', 'openmetrics+gzip'] as const) expect(result.latencyMs[v].n, v).to.be.above(0);
    expect(recordedDuring).to.be.above(0);
  });

  it('no failed scrape: every answer is a 200 of the asked format, complete, with every family and sample line', () => {
    expect(result.failures, `${result.failureCount} failures`).to.deep.equal([]);
    expect(result.failureCount).to.equal(0);
  });

  it('counters never go down from one scrape to the next', () => {
    // 5000 counter series compared on every scrape after a worker's first.
    expect(result.monotonicChecks).to.be.at.least(5000 * (result.requests - 2 * CONCURRENCY));
    expect(result.failures.filter((f) => f.includes('went from'))).to.deep.equal([]);
  });

  it('sampled text scrapes pass promtool; sampled OpenMetrics scrapes pass the strict parser with every sample', () => {
    const text = result.saved.filter((s) => s.format === 'text');
    const om = result.saved.filter((s) => s.format === 'om');
    expect(text.length).to.be.at.least(2);
    expect(om.length).to.be.at.least(2);
    for (const s of text) expect(promtoolCheckMetrics(readFileSync(s.file, 'utf8')), s.file).to.deep.equal({ status: 0, output: '' });
    for (const s of om) {
      const families = parseOpenMetricsStrict(readFileSync(s.file, 'utf8'));
      expect(families.map((f) => f.name).sort(), s.file).to.deep.equal(['load_duration_seconds', 'load_inflight', 'load_pool_size', 'load_queue_depth', 'load_requests', 'target']);
      expect(families.reduce((n, f) => n + f.samples.length, 0), s.file).to.equal(ready.sampleLines);
    }
  });
});
