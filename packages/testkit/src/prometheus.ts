import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { onFreePort, requirePeer, startProcess, tempDir, waitFor, probeReady, type RunningProcess } from './peers.js';

export interface PrometheusOptions {
  /** `host:port` targets scraped at `scrapeIntervalSeconds`. */
  readonly targets: string[];
  readonly metricsPath?: string;
  readonly scrapeIntervalSeconds?: number;
  /** Extra scrape_config YAML lines for the job (indented by the caller with 4 spaces), e.g. authorization. */
  readonly extraJobYaml?: string;
  /** e.g. ['--enable-feature=exemplar-storage'] */
  readonly flags?: string[];
  readonly honorLabels?: boolean;
  /**
   * Accept remote write on `/api/v1/write` (`--web.enable-remote-write-receiver`) and keep the
   * exemplars it carries (`--enable-feature=exemplar-storage`).
   */
  readonly remoteWriteReceiver?: boolean;
  /** Picks the port (default `freePort`); tests of the retry on a port taken in between pass their own. */
  readonly choosePort?: () => Promise<number>;
}

/** One series of `/api/v1/query_exemplars`. */
export interface ExemplarSeries {
  readonly seriesLabels: Record<string, string>;
  readonly exemplars: { labels: Record<string, string>; value: string; timestamp: number }[];
}

export interface PrometheusServer {
  readonly url: string;
  /** `${url}/api/v1/write` (answers only with {@link PrometheusOptions.remoteWriteReceiver}). */
  readonly remoteWriteUrl: string;
  /** The current process (a new one after {@link PrometheusServer.start}). */
  readonly process: RunningProcess;
  /** GET /api/v1/<path>?<params> and return `data` (throws on status != success). */
  api<T = unknown>(path: string, params?: Record<string, string>): Promise<T>;
  /** Instant query: the vector result. */
  query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  /** Waits until every target is up with a scrape that succeeded; throws with lastError otherwise. */
  waitForTargetsUp(timeoutMs?: number): Promise<void>;
  /** Exemplars of the series `expr` selects, over the last `sinceSeconds` (default 1 h). */
  queryExemplars(expr: string, sinceSeconds?: number): Promise<ExemplarSeries[]>;
  /** SIGTERM, keeping the port and the TSDB (WAL included): an outage it returns from with its data. */
  pause(): Promise<void>;
  /** Starts again on the same port and TSDB; waits until ready. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts a real Prometheus server (Debian package) on a free loopback port with a temp config and
 * TSDB; a port taken before Prometheus binds it is replaced by a new one ({@link onFreePort}).
 */
export async function startPrometheus(options: PrometheusOptions): Promise<PrometheusServer> {
  return onFreePort((port) => startPrometheusOn(port, options), options.choosePort);
}

async function startPrometheusOn(port: number, options: PrometheusOptions): Promise<PrometheusServer> {
  const bin = requirePeer('prometheus');
  const dir = await tempDir('prometheus');
  const interval = options.scrapeIntervalSeconds ?? 1;
  const config = [
    'global:',
    `  scrape_interval: ${interval}s`,
    `  scrape_timeout: ${Math.round(interval * 900)}ms`,
    'scrape_configs:',
    '  - job_name: otelkit',
    `    metrics_path: ${options.metricsPath ?? '/metrics'}`,
    `    honor_labels: ${options.honorLabels ? 'true' : 'false'}`,
    options.extraJobYaml ?? '',
    '    static_configs:',
    `      - targets: [${options.targets.map((t) => JSON.stringify(t)).join(', ')}]`,
    '',
  ].join('\n');
  await writeFile(join(dir.path, 'prometheus.yml'), config);
  const args = [
    `--config.file=${join(dir.path, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir.path, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
    ...(options.remoteWriteReceiver ? ['--web.enable-remote-write-receiver', '--enable-feature=exemplar-storage'] : []),
    ...(options.flags ?? []),
  ];
  const url = `http://127.0.0.1:${port}`;
  let proc: RunningProcess | undefined;
  let previousOutput = '';
  const launch = async (): Promise<void> => {
    const p = startProcess(bin, args);
    proc = p;
    await waitFor('Prometheus to be ready', async () => {
      if (p.child.exitCode !== null) throw new Error(`prometheus exited with code ${p.child.exitCode}`);
      return (await probeReady(`${url}/-/ready`)).ok;
    }, 30_000).catch(async (e: Error) => {
      await p.stop();
      throw new Error(`${e.message}\n${previousOutput}${p.output()}`);
    });
  };
  const halt = async (): Promise<void> => {
    if (!proc) return;
    const p = proc;
    proc = undefined;
    await p.stop(10_000);
    previousOutput += p.output();
  };
  const api = async <T>(path: string, params: Record<string, string> = {}): Promise<T> => {
    const qs = new URLSearchParams(params).toString();
    const res = await fetch(`${url}/api/v1/${path}${qs ? `?${qs}` : ''}`);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`Prometheus ${path}: ${body.error ?? res.status}`);
    return body.data;
  };
  await launch().catch(async (e) => {
    await dir.remove();
    throw e;
  });
  const server: PrometheusServer = {
    url,
    remoteWriteUrl: `${url}/api/v1/write`,
    get process() {
      if (!proc) throw new Error('Prometheus is not running');
      return proc;
    },
    api,
    query: async (expr) => (await api<{ result: { metric: Record<string, string>; value: [number, string] }[] }>('query', { query: expr })).result,
    waitForTargetsUp: async (timeoutMs = 30_000) => {
      type Targets = { activeTargets: { health: string; lastError: string; scrapeUrl: string }[] };
      let last: Targets | undefined;
      try {
        await waitFor('scrape targets to be up', async () => {
          last = await api<Targets>('targets');
          return last.activeTargets.length > 0 && last.activeTargets.every((t) => t.health === 'up');
        }, timeoutMs);
      } catch (e) {
        throw new Error(`${(e as Error).message}; targets: ${JSON.stringify(last?.activeTargets)}`);
      }
    },
    queryExemplars: (expr, sinceSeconds = 3600) =>
      api<ExemplarSeries[]>('query_exemplars', {
        query: expr,
        start: String(Date.now() / 1000 - sinceSeconds),
        end: String(Date.now() / 1000 + 60),
      }),
    pause: halt,
    start: async () => {
      await halt();
      await launch();
    },
    stop: async () => {
      await halt();
      await dir.remove();
    },
  };
  return server;
}

/** `promtool check metrics` on a text 0.0.4 exposition: exit code and findings. */
export function promtoolCheckMetrics(text: string): { status: number; output: string } {
  const bin = requirePeer('promtool');
  const r = spawnSync(bin, ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}`.trim() };
}

/**
 * Parses an OpenMetrics exposition with Debian's python3-prometheus-client strict parser.
 * Returns the parsed families as JSON, or throws with the parser's error.
 */
export function parseOpenMetricsStrict(text: string): { name: string; type: string; unit: string; samples: { name: string; labels: Record<string, string>; value: number | string; exemplar: null | { labels: Record<string, string>; value: number; timestamp: number | null } }[] }[] {
  requirePeer('python3', ['/usr/bin/python3']);
  const script = `
import sys, json, math
from prometheus_client.openmetrics.parser import text_string_to_metric_families
def num(v):
    return v if isinstance(v, (int, float)) and math.isfinite(v) else str(v)
out = []
for f in text_string_to_metric_families(sys.stdin.buffer.read().decode('utf-8')):
    out.append({"name": f.name, "type": f.type, "unit": f.unit, "samples": [
        {"name": s.name, "labels": s.labels, "value": num(s.value),
         "exemplar": None if s.exemplar is None else {"labels": s.exemplar.labels, "value": s.exemplar.value,
            "timestamp": None if s.exemplar.timestamp is None else float(s.exemplar.timestamp)}}
        for s in f.samples]})
print(json.dumps(out))
`;
  const r = spawnSync('/usr/bin/python3', ['-c', script], { input: text, encoding: 'utf8', timeout: 60_000, maxBuffer: 512 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`OpenMetrics parser rejected the exposition: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(r.stdout);
}
