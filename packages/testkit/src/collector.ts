import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, IN_CI, probeReady, retryOnPortTaken, startProcess, tempDir, waitFor, type RunningProcess } from './peers.js';

const here = dirname(fileURLToPath(import.meta.url));
// src/ and dist/ are both one level below the package root, two below the repo root.
const REPO_ROOT = resolve(here, '..', '..', '..');
const PROVISION = join(REPO_ROOT, 'scripts', 'provision-collector.sh');

/** The collector configuration shipped at the top of the repo. */
export const SHIPPED_COLLECTOR_CONFIG = join(REPO_ROOT, 'otel-collector.yaml');

let collectorBin: Promise<string> | undefined;

/**
 * Path of the otelcol-otelkit binary, built from collector/builder-config.yaml by
 * scripts/provision-collector.sh when the cache does not have it yet (several minutes the first
 * time; the script's progress is streamed to this process' stderr). Once per process.
 * `OTELKIT_COLLECTOR_BIN` points at another collector build instead (it must have the same
 * components). A failed build throws — under CI and locally alike, never a skip.
 */
export function ensureCollector(): Promise<string> {
  collectorBin ??= provision().catch((e: unknown) => {
    collectorBin = undefined;
    throw e;
  });
  return collectorBin;
}

async function provision(): Promise<string> {
  const override = process.env.OTELKIT_COLLECTOR_BIN;
  if (override) {
    if (!existsSync(override)) throw new Error(`OTELKIT_COLLECTOR_BIN=${override} does not exist`);
    return override;
  }
  const child = spawn('bash', [PROVISION], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
  child.stderr.on('data', (b: Buffer) => {
    const s = b.toString('utf8');
    stderr = (stderr + s).slice(-20_000);
    // A cached binary answers in one line; a build prints its phases and packages, shown live.
    if (!/^provision-collector: ok: /.test(s)) process.stderr.write(s);
  });
  const code = await new Promise<number | null>((res) => child.once('close', (c) => res(c)));
  const bin = stdout.trim().split('\n').pop() ?? '';
  if (code !== 0 || !bin || !existsSync(bin)) {
    throw new Error(
      `building the test collector failed${IN_CI ? ' (CI)' : ''}: bash ${PROVISION} exited ${code}\n${stderr.slice(-4000)}\n` +
        'It needs Go >= 1.25 (https://go.dev/dl/, or OTELKIT_GO=/path/to/go) and the Go module proxy.',
    );
  }
  return bin;
}

/** Result of `otelcol validate`. */
export interface CollectorValidation {
  readonly ok: boolean;
  readonly exitCode: number | null;
  readonly output: string;
}

/** Runs `<collector> validate --config <path>` with `env` added to this process' environment. */
export async function validateCollectorConfig(configPath: string, env: Record<string, string> = {}): Promise<CollectorValidation> {
  const bin = await ensureCollector();
  const r = spawnSync(bin, ['validate', `--config=${configPath}`], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  return { ok: r.status === 0, exitCode: r.status, output: `${r.stdout}${r.stderr}` };
}

/** What {@link otlpToFileCollectorConfig} adds to the receiver and the pipelines. */
export interface OtlpToFileOptions {
  /** A traces pipeline into the same file (default: metrics only). */
  readonly traces?: boolean;
  /**
   * The receiver requires TLS with a client certificate signed by the CA in `TLS_CLIENT_CA`
   * (server certificate and key in `TLS_SERVER_CERT` / `TLS_SERVER_KEY`): mTLS.
   */
  readonly mtls?: boolean;
}

/**
 * A collector config with only an OTLP receiver (the given protocols) and a file exporter for
 * metrics (and traces): each request it receives is written back as one OTLP/JSON line, read with
 * {@link RunningCollector.readTraceFile}, so a test sees exactly what the collector decoded.
 */
export function otlpToFileCollectorConfig(protocols: readonly ('grpc' | 'http')[], options: OtlpToFileOptions = {}): string {
  const tls = options.mtls
    ? '        tls:\n          cert_file: ${env:TLS_SERVER_CERT}\n          key_file: ${env:TLS_SERVER_KEY}\n          client_ca_file: ${env:TLS_CLIENT_CA}\n'
    : '';
  const receivers = protocols.map((p) => `      ${p}:\n        endpoint: \${env:OTELKIT_OTLP_${p.toUpperCase()}_ENDPOINT}\n${tls}`).join('');
  const pipelines = ['metrics', ...(options.traces ? ['traces'] : [])]
    .map((signal) => `    ${signal}:\n      receivers: [otlp]\n      exporters: [file/out]\n`)
    .join('');
  return `extensions:
  health_check:
    endpoint: \${env:OTELKIT_HEALTH_ENDPOINT}
receivers:
  otlp:
    protocols:
${receivers}exporters:
  file/out:
    path: \${env:OTELKIT_TRACES_FILE}
    format: json
    flush_interval: 100ms
service:
  extensions: [health_check]
  pipelines:
${pipelines}  telemetry:
    metrics:
      level: none
`;
}

export interface CollectorOptions {
  /** Configuration file; default the shipped otel-collector.yaml. */
  readonly config?: string;
  /** Configuration text instead of a file (written into the collector's temp folder), e.g. {@link otlpToFileCollectorConfig}. */
  readonly configYaml?: string;
  /** Extra environment for the collector, on top of the port variables (which it may override). */
  readonly env?: Readonly<Record<string, string>>;
  /** How long to wait for health_check to answer 200; default 30 s. */
  readonly readyTimeoutMs?: number;
  /** Picks each port (default {@link freePort}); tests of the retry on a port taken in between pass their own. */
  readonly choosePort?: () => Promise<number>;
}

/** A collector running on free loopback ports, from a config using otel-collector.yaml's variables. */
export interface RunningCollector {
  /** OTLP/HTTP base URL (`/v1/metrics`, `/v1/traces` below it). */
  readonly otlpHttpUrl: string;
  /** OTLP/gRPC `host:port`. */
  readonly otlpGrpcEndpoint: string;
  /** `host:port` of the Prometheus exporter, for a scrape target. */
  readonly prometheusEndpoint: string;
  /** `http://<prometheusEndpoint>/metrics` */
  readonly prometheusUrl: string;
  readonly healthUrl: string;
  /** The collector's own metrics (`otelcol_*`), Prometheus text. */
  readonly telemetryUrl: string;
  /** Where `file/traces` writes (OTLP/JSON, one export request per line). */
  readonly fileExporterPath: string;
  /**
   * `OTELKIT_STORAGE_DIR`: the `file_storage` directory of configs with a persistent queue
   * (collector/tiers/agent.yaml); kept across {@link RunningCollector.pause}, {@link RunningCollector.kill}
   * and {@link RunningCollector.start}, removed by {@link RunningCollector.stop}.
   */
  readonly storageDir: string;
  /** The environment the collector was started with (ports and paths included). */
  readonly env: Readonly<Record<string, string>>;
  /** The current process (a new one after {@link RunningCollector.start}). */
  process(): RunningProcess;
  /** Everything every process of this collector printed so far. */
  output(): string;
  /** Stops the process but keeps ports and files: an outage the same collector can return from. */
  pause(): Promise<void>;
  /** SIGKILL: a crash (no shutdown, nothing flushed); ports and files kept for {@link RunningCollector.start}. */
  kill(): Promise<void>;
  /** Starts again on the same ports and files, with `env` overriding the previous environment. */
  start(env?: Readonly<Record<string, string>>): Promise<void>;
  /** The export requests `file/traces` wrote so far (the file exporter flushes every second). */
  readTraceFile(): Promise<any[]>;
  /** Stops the process and removes its files. */
  stop(): Promise<void>;
}

/**
 * Starts the test collector (see {@link ensureCollector}) with every listener on a free loopback
 * port, passed through otel-collector.yaml's `OTELKIT_*` variables, and waits until its
 * health_check answers 200.
 * @example
 * const c = await startCollector();
 * // export OTLP to c.otlpHttpUrl, scrape c.prometheusEndpoint ...
 * await c.stop();
 */
export async function startCollector(options: CollectorOptions = {}): Promise<RunningCollector> {
  const bin = await ensureCollector();
  const dir = await tempDir('collector');
  let config = options.config ?? SHIPPED_COLLECTOR_CONFIG;
  if (options.configYaml !== undefined) {
    config = join(dir.path, 'collector.yaml');
    await writeFile(config, options.configYaml);
  }
  const fileExporterPath = join(dir.path, 'traces.jsonl');
  const storageDir = join(dir.path, 'storage');
  let grpc = 0;
  let http = 0;
  let prom = 0;
  let health = 0;
  let telemetry = 0;
  let env: Record<string, string> = {};
  const choosePorts = async (): Promise<void> => {
    const pick = options.choosePort ?? freePort;
    [grpc, http, prom, health, telemetry] = [await pick(), await pick(), await pick(), await pick(), await pick()];
    env = {
      OTELKIT_OTLP_GRPC_ENDPOINT: `127.0.0.1:${grpc}`,
      OTELKIT_OTLP_HTTP_ENDPOINT: `127.0.0.1:${http}`,
      OTELKIT_PROMETHEUS_ENDPOINT: `127.0.0.1:${prom}`,
      OTELKIT_HEALTH_ENDPOINT: `127.0.0.1:${health}`,
      OTELKIT_COLLECTOR_TELEMETRY_HOST: '127.0.0.1',
      OTELKIT_COLLECTOR_TELEMETRY_PORT: String(telemetry),
      OTELKIT_TRACES_FILE: fileExporterPath,
      OTELKIT_STORAGE_DIR: storageDir,
      ...options.env,
    };
  };
  let outputs = '';
  let proc: RunningProcess | undefined;
  const launch = async (): Promise<void> => {
    const p = startProcess(bin, [`--config=${config}`], { env: { ...process.env, ...env }, cwd: dir.path });
    proc = p;
    await waitFor('the collector health_check to answer 200', async () => {
      if (p.child.exitCode !== null) throw new Error(`collector exited with code ${p.child.exitCode}`);
      return (await probeReady(`http://127.0.0.1:${health}/`)).status === 200;
    }, options.readyTimeoutMs ?? 30_000, 50).catch(async (e: Error) => {
      await p.stop();
      throw new Error(`${e.message}\n${p.output().slice(-6000)}`);
    });
  };
  const halt = async (): Promise<void> => {
    if (!proc) return;
    const p = proc;
    proc = undefined;
    await p.stop(10_000);
    outputs += p.output();
  };
  // New ports on every start that finds one taken (retryOnPortTaken says why).
  await retryOnPortTaken(async () => {
    await choosePorts();
    await launch();
  }).catch(async (e) => {
    await dir.remove();
    throw e;
  });
  const healthUrl = `http://127.0.0.1:${health}/`;
  return {
    otlpHttpUrl: `http://127.0.0.1:${http}`,
    otlpGrpcEndpoint: `127.0.0.1:${grpc}`,
    prometheusEndpoint: `127.0.0.1:${prom}`,
    prometheusUrl: `http://127.0.0.1:${prom}/metrics`,
    healthUrl,
    telemetryUrl: `http://127.0.0.1:${telemetry}/metrics`,
    fileExporterPath,
    storageDir,
    get env() {
      return env;
    },
    process: () => {
      if (!proc) throw new Error('the collector is not running');
      return proc;
    },
    output: () => outputs + (proc?.output() ?? ''),
    pause: halt,
    kill: async () => {
      if (!proc) return;
      const p = proc;
      proc = undefined;
      const gone = new Promise<void>((res) => (p.child.exitCode !== null || p.child.signalCode !== null ? res() : p.child.once('exit', () => res())));
      p.child.kill('SIGKILL');
      await gone;
      await p.stop();
      outputs += p.output();
    },
    start: async (more = {}) => {
      await halt();
      env = { ...env, ...more };
      await launch();
    },
    readTraceFile: async () => {
      if (!existsSync(fileExporterPath)) return [];
      const text = await readFile(fileExporterPath, 'utf8');
      // Only complete lines: a flush may end mid-request.
      return text.split('\n').slice(0, -1).filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
    },
    stop: async () => {
      await halt();
      await dir.remove();
    },
  };
}
