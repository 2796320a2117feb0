import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import {
  ensureCollector,
  parseOpenMetricsStrict,
  startCollector,
  startPrometheus,
  startProcess,
  waitFor,
  type PrometheusServer,
  type RunningCollector,
  type RunningProcess,
} from '@otelkit/testkit';
import { traceIdsInFile } from './trace-file.js';

const DEMO = fileURLToPath(new URL('../../../examples/demo/main.mjs', import.meta.url));
const OPENMETRICS = 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5';

type Series = Record<string, string>;

interface Demo {
  readonly protocol: 'http/protobuf' | 'http/json';
  readonly serviceName: string;
  metricsPort: number;
  process?: RunningProcess;
  /** service.instance.id, read from the demo's own target_info. */
  instanceId?: string;
}

const DEMOS: Demo[] = [
  { protocol: 'http/protobuf', serviceName: 'demo-proto', metricsPort: 0 },
  { protocol: 'http/json', serviceName: 'demo-json', metricsPort: 0 },
];

/**
 * A series as seen through the direct scrape, in the collector path's terms: Prometheus gives the
 * direct target job="otelkit" (the scrape job) and instance=<host:port>; the collector derives
 * job / instance from service.name / service.instance.id, which the direct path keeps as
 * target_info labels (https://opentelemetry.io/docs/specs/otel/compatibility/prometheus_and_openmetrics/#resource-attributes-1).
 */
function key(s: Series, drop: readonly string[]): string {
  const rest = Object.entries(s).filter(([k]) => !drop.includes(k)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(rest);
}

describe('the demo service exporting OTLP to the shipped collector: dual-path parity with its own /metrics', () => {
  let collector: RunningCollector;
  let prom: PrometheusServer;

  before(async function () {
    this.timeout(40 * 60_000);
    await ensureCollector();
    this.timeout(60_000);
    collector = await startCollector();
    // The demos bind port 0 for their API and /metrics and print the ports they got: a port picked
    // free beforehand can be taken before the demo binds it (a CI run failed so: EADDRINUSE on
    // the API port). Prometheus starts once their /metrics ports are known.
    for (const d of DEMOS) {
      d.process = startProcess(process.execPath, [DEMO], {
        env: {
          ...process.env,
          PORT: '0',
          OTEL_SERVICE_NAME: d.serviceName,
          OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
          OTEL_EXPORTER_PROMETHEUS_PORT: '0',
          OTEL_EXPORTER_OTLP_ENDPOINT: collector.otlpHttpUrl,
          OTEL_EXPORTER_OTLP_PROTOCOL: d.protocol,
          OTEL_METRIC_EXPORT_INTERVAL: '1000',
          OTEL_BSP_SCHEDULE_DELAY: '500',
        },
      });
    }
    for (const d of DEMOS) {
      const p = d.process!;
      d.metricsPort = await waitFor(`${d.serviceName} to print its /metrics URL`, () => {
        if (p.child.exitCode !== null) throw new Error(`demo exited with code ${p.child.exitCode}: ${p.output()}`);
        const port = /metrics: +http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(p.output())?.[1];
        return port === undefined ? undefined : Number(port);
      }, 20_000, 100);
    }
    prom = await startPrometheus({
      targets: [collector.prometheusEndpoint, ...DEMOS.map((d) => `127.0.0.1:${d.metricsPort}`)],
      honorLabels: true,
      flags: ['--enable-feature=exemplar-storage'],
    });
    for (const d of DEMOS) {
      const p = d.process!;
      d.instanceId = await waitFor(`${d.serviceName} to serve /metrics`, async () => {
        if (p.child.exitCode !== null) throw new Error(`demo exited with code ${p.child.exitCode}: ${p.output()}`);
        const text = await (await fetch(`http://127.0.0.1:${d.metricsPort}/metrics`)).text();
        return /^target_info\{[^}]*instance="([^"]+)"/m.exec(text)?.[1];
      }, 20_000, 100);
    }
    await prom.waitForTargetsUp();
  });
  after(async () => {
    for (const d of DEMOS) await d.process?.stop();
    await prom?.stop();
    await collector?.stop();
  });

  for (const d of DEMOS) {
    describe(`${d.protocol}`, () => {
      const direct = (): string => `instance="127.0.0.1:${d.metricsPort}"`;
      const viaCollector = (): string => `job="${d.serviceName}",instance="${d.instanceId}"`;

      it('every series of its /metrics reaches Prometheus through the collector with the same name and labels, and no other', async function () {
        this.timeout(40_000);
        let diff: { directOnly: string[]; collectorOnly: string[] } = { directOnly: [], collectorOnly: [] };
        await waitFor('the two paths to show the same series', async () => {
          // up and scrape_* are Prometheus' own series about each scrape, not the exposition's.
          const a = (await prom.api<Series[]>('series', { 'match[]': `{${direct()}}` })).filter((s) => s.__name__ !== 'up' && !s.__name__!.startsWith('scrape_'));
          const b = await prom.api<Series[]>('series', { 'match[]': `{${viaCollector()}}` });
          // target_info names the service in job / instance on both paths (issue 15): scraped here
          // with honor_labels: true, the direct target_info is the collector's series, not the
          // direct target's (compared label for label below).
          expect(a.find((s) => s.__name__ === 'target_info')).to.equal(undefined);
          const ka = new Set(a.map((s) => key(s, ['job', 'instance'])));
          const kb = new Set(b.filter((s) => s.__name__ !== 'target_info').map((s) => key(s, ['job', 'instance'])));
          diff = { directOnly: [...ka].filter((k) => !kb.has(k)), collectorOnly: [...kb].filter((k) => !ka.has(k)) };
          return a.length > 20 && diff.directOnly.length === 0 && diff.collectorOnly.length === 0;
        }, 30_000, 500).catch((e: Error) => {
          throw new Error(`${e.message}\n${JSON.stringify(diff, null, 1).slice(0, 4000)}`);
        });
      });

      it('target_info agrees: the same labels on the service\'s /metrics and the collector\'s (service.* as job / instance, not repeated), one series in Prometheus', async function () {
        this.timeout(30_000);
        const info = async (url: string, job: string): Promise<Record<string, string> | undefined> => {
          const text = await (await fetch(url, { headers: { accept: OPENMETRICS } })).text();
          const s = parseOpenMetricsStrict(text)
            .filter((f) => f.name === 'target' || f.name === 'target_info')
            .flatMap((f) => f.samples)
            .find((x) => x.name === 'target_info' && x.labels.job === job);
          return s?.labels;
        };
        const direct = await info(`http://127.0.0.1:${d.metricsPort}/metrics`, d.serviceName);
        expect(direct).to.include({ job: d.serviceName, instance: d.instanceId });
        expect(direct).not.to.have.any.keys('service_name', 'service_instance_id', 'service_namespace');
        const viaC = await waitFor('target_info on the collector', () => info(collector.prometheusUrl, d.serviceName), 20_000, 250);
        expect(direct).to.deep.equal(viaC);
        const stored = await prom.api<Series[]>('series', { 'match[]': `target_info{${viaCollector()}}` });
        expect(stored).to.have.length(1);
      });

      it('every metric family has the same type on both paths', async () => {
        type Meta = { metric: string; type: string }[];
        const a = await prom.api<Meta>('targets/metadata', { match_target: `{instance="127.0.0.1:${d.metricsPort}"}` });
        const b = await prom.api<Meta>('targets/metadata', { match_target: `{instance="${collector.prometheusEndpoint}"}` });
        const typeB = new Map(b.map((m) => [m.metric, m.type]));
        const families = a.filter((m) => m.metric !== 'target');
        expect(families.length).to.be.greaterThan(10);
        for (const m of families) expect(typeB.get(m.metric), m.metric).to.equal(m.type);
        // OpenMetrics lets the direct path say `# TYPE target info`; the collector writes
        // target_info as a gauge (the form text 0.0.4 can carry). Both store the series target_info.
        expect(a.find((m) => m.metric === 'target')?.type).to.equal('info');
        expect(typeB.get('target_info')).to.equal('gauge');
      });

      it('counters and histogram counts agree within the export lag (1 s interval + batch + scrape)', async function () {
        this.timeout(30_000);
        // The demo keeps its synthetic traffic going, so the paths are compared across time: the
        // collector's value can be neither older than the direct value 10 s ago nor newer than the
        // direct value now compared with the collector's 5 s ago.
        const sumBy = async (expr: string): Promise<Map<string, number>> =>
          new Map((await prom.query(expr)).map((r) => [JSON.stringify(r.metric), Number(r.value[1])]));
        await waitFor('enough traffic', async () => ((await sumBy(`sum(demo_requests_total{${direct()}} offset 10s)`)).values().next().value ?? 0) > 50, 30_000, 500);
        for (const [metric, by] of [['demo_requests_total', 'operation, outcome'], ['demo_request_duration_seconds_count', 'operation']] as const) {
          const nowDirect = await sumBy(`sum by (${by}) (${metric}{${direct()}})`);
          const oldDirect = await sumBy(`sum by (${by}) (${metric}{${direct()}} offset 10s)`);
          const nowCollector = await sumBy(`sum by (${by}) (${metric}{${viaCollector()}})`);
          const oldCollector = await sumBy(`sum by (${by}) (${metric}{${viaCollector()}} offset 5s)`);
          expect([...nowCollector.keys()].sort()).to.deep.equal([...nowDirect.keys()].sort());
          for (const [k, v] of nowCollector) {
            expect(v, `${metric} ${k} via collector now vs direct 10 s ago`).to.be.at.least(oldDirect.get(k) ?? 0);
            expect(oldCollector.get(k) ?? 0, `${metric} ${k} via collector 5 s ago vs direct now`).to.be.at.most(nowDirect.get(k)!);
          }
        }
      });

      it("the exemplars on the collector's OpenMetrics output name spans the collector wrote to its file exporter", async function () {
        this.timeout(30_000);
        const text = await (await fetch(collector.prometheusUrl, { headers: { accept: OPENMETRICS } })).text();
        const exemplarIds = parseOpenMetricsStrict(text)
          .filter((f) => f.name.startsWith('demo_'))
          .flatMap((f) => f.samples)
          .filter((s) => s.labels.job === d.serviceName && s.exemplar)
          .map((s) => s.exemplar!.labels.trace_id!);
        expect(exemplarIds.length).to.be.greaterThan(3);
        let missing: string[] = [];
        await waitFor('the spans in the file exporter output', async () => {
          const inFile = traceIdsInFile(await collector.readTraceFile(), d.serviceName);
          missing = exemplarIds.filter((id) => !inFile.has(id));
          return missing.length === 0;
        }, 20_000, 250).catch((e: Error) => {
          throw new Error(`${e.message}: ${missing.length} of ${exemplarIds.length} trace ids missing`);
        });
      });

      it('Prometheus stores exemplars from both paths', async () => {
        type ExemplarSeries = { seriesLabels: Series; exemplars: { labels: Series }[] }[];
        const range = { start: String(Date.now() / 1000 - 600), end: String(Date.now() / 1000 + 60) };
        const viaC = await prom.api<ExemplarSeries>('query_exemplars', { query: `demo_request_duration_seconds_bucket{${viaCollector()}}`, ...range });
        const viaD = await prom.api<ExemplarSeries>('query_exemplars', { query: `demo_request_duration_seconds_bucket{${direct()}}`, ...range });
        for (const r of [viaC, viaD]) {
          const ids = r.flatMap((s) => s.exemplars.map((e) => e.labels.trace_id));
          expect(ids.length).to.be.greaterThan(0);
          for (const id of ids) expect(id).to.match(/^[0-9a-f]{32}$/);
        }
      });
    });
  }
});
