import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startOtlpReceiver, startPrometheus, startPushgateway, waitFor, type DecodedRequest, type OtlpReceiver, type PrometheusServer, type PushgatewayServer } from '@otelkit/testkit';

const root = fileURLToPath(new URL('..', import.meta.url));
const INSTANCE = 'scraper-test-1';

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** Runs `node main.mjs <command>` as the package scripts do; `interrupt` sends SIGINT that long after the job started its records. */
function runCommand(command: string, env: Record<string, string>, interruptAfterMs?: number): Promise<Ended> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['main.mjs', command], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', JOB_INSTANCE: INSTANCE, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let interrupted = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`batch-job ${command} did not end in time:\n${output}`));
    }, 30_000);
    child.stdout.on('data', (b: Buffer) => {
      output += b.toString();
      if (interruptAfterMs !== undefined && !interrupted && output.includes(' records')) {
        interrupted = true;
        setTimeout(() => child.kill('SIGINT'), interruptAfterMs);
      }
    });
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output });
    });
  });
}

interface Series {
  labels: Record<string, string>;
  value?: string;
  buckets?: Record<string, string>;
  sum?: string;
  count?: string;
}
type Group = { labels: Record<string, string> } & Record<string, { type: string; metrics: Series[] } | unknown>;

async function groupOf(gw: PushgatewayServer, job: string): Promise<Group | undefined> {
  const body = (await (await fetch(`${gw.url}/api/v1/metrics`)).json()) as { data: Group[] };
  return body.data.find((g) => g.labels.job === job && g.labels.instance === INSTANCE);
}

function series(g: Group, family: string): Series[] {
  const f = g[family] as { metrics: Series[] } | undefined;
  return f?.metrics ?? [];
}

/** `batch_items_total` by outcome, as the gateway holds it. */
function itemsByOutcome(g: Group): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of series(g, 'batch_items_total')) out[s.labels.outcome!] = Number(s.value);
  return out;
}

function otlpItems(reqs: DecodedRequest[]): Record<string, number>[] {
  return reqs
    .filter((r) => r.path === '/v1/metrics')
    .map((r) => {
      const out: Record<string, number> = {};
      for (const rm of r.body?.resource_metrics ?? [])
        for (const sm of rm.scope_metrics ?? [])
          for (const m of sm.metrics ?? []) {
            if (m.name !== 'batch.items') continue;
            for (const dp of m.sum.data_points) {
              const outcome = dp.attributes.find((a: { key: string }) => a.key === 'outcome').value.string_value as string;
              out[outcome] = Number(dp.as_int ?? dp.as_double);
            }
          }
      return out;
    });
}

describe('example: batch-job pushes the metrics of every command (real Pushgateway)', function () {
  this.timeout(90_000);
  let gw: PushgatewayServer;
  let receiver: OtlpReceiver;
  before(async () => {
    [gw, receiver] = await Promise.all([startPushgateway(), startOtlpReceiver()]);
  });
  after(async () => {
    await Promise.all([gw?.stop(), receiver?.stop()]);
  });
  beforeEach(() => receiver.reset());
  const env = (): Record<string, string> => ({ PUSHGATEWAY_URL: gw.url, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, ITEMS: '40' });

  // 40 records: ingest skips every 10th (i % 10 === 9 → 4), parse rejects i % 7 === 3 (3, 10, 17, 24, 31, 38 → 6),
  // fail ingests 20 (2 skipped) and throws.
  const cases = [
    { command: 'ingest', code: 0, items: { ok: 36, skipped: 4, invalid: 0 }, handled: 40 },
    { command: 'parse', code: 0, items: { ok: 34, skipped: 0, invalid: 6 }, handled: 40 },
    { command: 'fail', code: 1, items: { ok: 18, skipped: 2, invalid: 0 }, handled: 20 },
  ];
  for (const c of cases) {
    it(`${c.command}: exits ${c.code} and its group on the gateway holds exactly what it did (OTLP got the same)`, async () => {
      const started = Date.now() / 1000;
      const ended = await runCommand(c.command, env());
      const finished = Date.now() / 1000;
      expect(ended.code, ended.output).to.equal(c.code);
      const job = `venue-scraper-${c.command}`;
      const g = await groupOf(gw, job);
      expect(g, `group ${job} on the gateway`).to.not.equal(undefined);
      expect(g!.labels).to.deep.equal({ job, instance: INSTANCE });
      expect(itemsByOutcome(g!)).to.deep.equal(c.items);
      for (const s of series(g!, 'batch_items_total')) expect(s.labels.command).to.equal(c.command);

      const [h] = series(g!, 'batch_item_duration_seconds');
      expect(Number(h!.count)).to.equal(c.handled);
      expect(Number(h!.buckets!['+Inf'])).to.equal(c.handled);
      // Each record sleeps at least 1 ms.
      expect(Number(h!.sum)).to.be.at.least(c.handled * 0.001);

      const failures = series(g!, 'batch_failures_total');
      const success = series(g!, 'batch_last_success_time_seconds');
      if (c.command === 'fail') {
        expect(ended.output).to.contain('FeedError: venue feed unreachable after 20 records');
        expect(failures.map((s) => [s.labels.reason, Number(s.value)])).to.deep.equal([['FeedError', 1]]);
        expect(success).to.have.length(0);
      } else {
        expect(failures).to.have.length(0);
        expect(success).to.have.length(1);
        expect(Number(success[0]!.value)).to.be.within(started, finished);
      }
      expect(otlpItems(await receiver.requests())).to.deep.equal([c.items]);
    });
  }

  it('Ctrl-C in the middle of a long ingest: dies by SIGINT, and what it did so far is on the gateway', async () => {
    const ended = await runCommand('ingest', { ...env(), ITEMS: '100000' }, 300);
    expect(ended.signal, ended.output).to.equal('SIGINT');
    const g = (await groupOf(gw, 'venue-scraper-ingest'))!;
    const items = itemsByOutcome(g);
    const handled = items.ok! + items.skipped!;
    expect(handled).to.be.above(0).and.below(100_000);
    // Records are handled in order and every 10th is skipped.
    expect(items.skipped).to.equal(Math.floor(handled / 10));
    expect(Number(series(g, 'batch_item_duration_seconds')[0]!.count)).to.equal(handled);
    expect(series(g, 'batch_last_success_time_seconds')).to.have.length(0);
  });

  it('an unknown command prints the usage, exits 2 and pushes nothing', async () => {
    const ended = await runCommand('scrape-everything', env());
    expect(ended.code).to.equal(2);
    expect(ended.output).to.contain('usage: node main.mjs <ingest|parse|fail>');
    expect(await groupOf(gw, 'venue-scraper-scrape-everything')).to.equal(undefined);
  });

  describe('scraped from the gateway by a real Prometheus (honor_labels)', () => {
    let prom: PrometheusServer;
    after(async () => prom?.stop());

    it('every command of the job is queryable with its own job label, the failed one included', async () => {
      for (const command of ['ingest', 'parse', 'fail']) await runCommand(command, env());
      prom = await startPrometheus({ targets: [gw.target], honorLabels: true });
      await prom.waitForTargetsUp();
      const value = async (expr: string): Promise<number> => {
        const r = await waitFor(`a result for ${expr}`, async () => {
          const res = await prom.query(expr);
          return res.length === 1 ? res : undefined;
        });
        return Number(r[0]!.value[1]);
      };
      expect(await value(`batch_items_total{job="venue-scraper-parse",instance="${INSTANCE}",outcome="invalid"}`)).to.equal(6);
      expect(await value(`batch_items_total{job="venue-scraper-ingest",outcome="skipped"}`)).to.equal(4);
      expect(await value(`batch_failures_total{job="venue-scraper-fail",reason="FeedError"}`)).to.equal(1);
      expect(await value(`batch_item_duration_seconds_count{job="venue-scraper-fail"}`)).to.equal(20);
      expect(await value(`count(batch_last_success_time_seconds)`)).to.equal(2);
    });
  });
});
