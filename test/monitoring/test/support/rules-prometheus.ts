import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, requirePeer, startProcess, tempDir, waitFor, type RunningProcess } from '@otelkit/testkit';

export interface ScrapeJob {
  readonly name: string;
  /** `host:port` targets. */
  readonly targets: readonly string[];
  /** Keep the target's own job / instance (the Collector's exporter: service.name / service.instance.id). */
  readonly honorLabels?: boolean;
}

export interface RulesPrometheusOptions {
  readonly jobs: readonly ScrapeJob[];
  /** Rule files to load (absolute paths). */
  readonly ruleFiles: readonly string[];
  /** Scrape and rule evaluation interval; default 1 s. */
  readonly intervalSeconds?: number;
}

export interface PrometheusAlert {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly state: 'pending' | 'firing';
  readonly activeAt: string;
  readonly value: string;
}

export interface LoadedRule {
  readonly type: 'recording' | 'alerting';
  readonly name: string;
  readonly query: string;
  readonly health: string;
  readonly lastError?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
  readonly duration?: number;
  readonly state?: string;
}

export interface RulesPrometheus {
  readonly url: string;
  readonly process: RunningProcess;
  /** GET /api/v1/<path> and return `data` (throws on an error status). */
  api<T = unknown>(path: string, params?: Record<string, string>): Promise<T>;
  /** Instant query: the vector (or scalar as a one-element vector). */
  query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  /** The alerts now pending or firing. */
  alerts(): Promise<PrometheusAlert[]>;
  /** Every rule loaded, with its health. */
  rules(): Promise<LoadedRule[]>;
  waitForTargetsUp(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A real Prometheus on a free loopback port with one scrape job per service (named after the
 * service, as the Collector path names them too: one `$job` works on both paths), the given rule
 * files, exemplar storage, and a fast scrape/evaluation interval so time-compressed rules fire in
 * seconds. (testkit's startPrometheus has one job and no rules; this suite needs both.)
 */
export async function startRulesPrometheus(o: RulesPrometheusOptions): Promise<RulesPrometheus> {
  const bin = requirePeer('prometheus');
  const dir = await tempDir('prometheus-rules');
  const port = await freePort();
  const interval = o.intervalSeconds ?? 1;
  const config = [
    'global:',
    `  scrape_interval: ${interval}s`,
    `  scrape_timeout: ${Math.round(interval * 900)}ms`,
    `  evaluation_interval: ${interval}s`,
    'rule_files:',
    ...o.ruleFiles.map((f) => `  - ${JSON.stringify(f)}`),
    'scrape_configs:',
    ...o.jobs.flatMap((j) => [
      `  - job_name: ${JSON.stringify(j.name)}`,
      `    honor_labels: ${j.honorLabels === true}`,
      '    static_configs:',
      `      - targets: [${j.targets.map((t) => JSON.stringify(t)).join(', ')}]`,
    ]),
    '',
  ].join('\n');
  await writeFile(join(dir.path, 'prometheus.yml'), config);
  const proc = startProcess(bin, [
    `--config.file=${join(dir.path, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir.path, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--enable-feature=exemplar-storage',
    '--log.level=warn',
  ]);
  const url = `http://127.0.0.1:${port}`;
  const api = async <T>(path: string, params: Record<string, string> = {}): Promise<T> => {
    const qs = new URLSearchParams(params).toString();
    const res = await fetch(`${url}/api/v1/${path}${qs ? `?${qs}` : ''}`);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`Prometheus ${path} ${JSON.stringify(params)}: ${body.error ?? res.status}`);
    return body.data;
  };
  try {
    await waitFor('Prometheus to be ready', async () => {
      if (proc.child.exitCode !== null) throw new Error(`prometheus exited with code ${proc.child.exitCode}: ${proc.output()}`);
      return (await fetch(`${url}/-/ready`)).ok;
    }, 30_000);
  } catch (e) {
    await proc.stop();
    await dir.remove();
    throw new Error(`${(e as Error).message}\nconfig:\n${config}`);
  }
  return {
    url,
    process: proc,
    api,
    query: async (expr) => {
      const d = await api<{ resultType: string; result: unknown }>('query', { query: expr });
      if (d.resultType === 'vector') return d.result as { metric: Record<string, string>; value: [number, string] }[];
      if (d.resultType === 'scalar') return [{ metric: {}, value: d.result as [number, string] }];
      throw new Error(`query ${expr}: unexpected result type ${d.resultType}`);
    },
    alerts: async () => (await api<{ alerts: PrometheusAlert[] }>('alerts')).alerts,
    rules: async () => (await api<{ groups: { rules: LoadedRule[] }[] }>('rules')).groups.flatMap((g) => g.rules),
    waitForTargetsUp: async (timeoutMs = 30_000) => {
      type Targets = { activeTargets: { health: string; lastError: string; scrapeUrl: string }[] };
      let last: Targets | undefined;
      await waitFor('scrape targets to be up', async () => {
        last = await api<Targets>('targets');
        return last.activeTargets.length > 0 && last.activeTargets.every((t) => t.health === 'up');
      }, timeoutMs).catch((e: Error) => {
        throw new Error(`${e.message}; targets: ${JSON.stringify(last?.activeTargets)}`);
      });
    },
    stop: async () => {
      await proc.stop();
      await dir.remove();
    },
  };
}
