import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IN_CI, startProcess, waitFor, type RunningProcess } from './peers.js';

/** One request the receiver got, decoded with the official opentelemetry-proto classes. */
export interface DecodedRequest {
  readonly path: string;
  readonly content_type: string;
  readonly content_encoding: string;
  /** Request headers, names lowercased. */
  readonly headers: Readonly<Record<string, string>>;
  /** The status the receiver answered (scripted or 200; 400 when the body did not decode). */
  readonly status: number;
  readonly retry_after?: string;
  readonly received_at_ms: number;
  /** `MessageToDict(preserving_proto_field_name=True)`; ids as lowercase hex. Absent when decoding failed. */
  readonly body?: Record<string, any>;
  /** Why the body did not decode. */
  readonly error?: string;
}

/** A scripted answer for the next request. */
export interface ScriptedResponse {
  readonly status: number;
  /** Sent verbatim as `Retry-After` (delta-seconds or HTTP-date). */
  readonly retry_after?: string;
  /** Sleep before answering (the request is recorded first). */
  readonly delay_ms?: number;
  readonly message?: string;
  readonly partial_success?: { rejected_data_points?: number; rejected_spans?: number; error_message?: string };
}

export interface OtlpReceiver {
  /** Base URL, e.g. `http://127.0.0.1:4318`. */
  readonly url: string;
  /** `${url}/v1/metrics` */
  readonly metricsUrl: string;
  readonly tracesUrl: string;
  readonly port: number;
  readonly process: RunningProcess;
  /** Every request received so far, in arrival order. */
  requests(): Promise<DecodedRequest[]>;
  /** Queues answers for the next requests (appended to what is already queued). */
  respondWith(list: readonly ScriptedResponse[]): Promise<void>;
  /** Forgets received requests and queued answers. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export interface OtlpReceiverOptions {
  /** Fixed port (e.g. to restart a receiver on the same address after an outage); default any free port. */
  readonly port?: number;
  /** Also append every decoded request as a JSON line to this file. */
  readonly outFile?: string;
}

const here = dirname(fileURLToPath(import.meta.url));
// src/ and dist/ are both one level below the package root.
const RECEIVER = resolve(here, '..', 'py', 'otlp_receiver.py');
const PROVISION = resolve(here, '..', '..', '..', 'scripts', 'provision-python.sh');

/** The venv made by scripts/provision-python.sh (outside the repo). */
export function otlpPythonEnv(): string {
  return process.env.OTELKIT_PYENV ?? join(process.env.OTELKIT_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'otelkit'), 'pyenv');
}

let provisioned = false;

/** Ensures the receiver's Python venv exists (runs scripts/provision-python.sh once per process). */
export function ensureOtlpPython(): string {
  const python = join(otlpPythonEnv(), 'bin', 'python');
  if (provisioned) return python;
  const r = spawnSync('bash', [PROVISION], { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0 || !existsSync(python)) {
    throw new Error(
      `provisioning the OTLP receiver's Python env failed${IN_CI ? ' (CI)' : ''}: bash ${PROVISION} exited ${r.status}\n${r.stdout}${r.stderr}`,
    );
  }
  provisioned = true;
  return python;
}

/**
 * Starts the Python OTLP/HTTP receiver (packages/testkit/py/otlp_receiver.py) on loopback.
 * It decodes protobuf and JSON requests with the official generated classes of
 * `opentelemetry-proto`, so what it returns is what a real collector would have understood.
 */
export async function startOtlpReceiver(options: OtlpReceiverOptions = {}): Promise<OtlpReceiver> {
  const python = ensureOtlpPython();
  const args = ['-u', RECEIVER, String(options.port ?? 0)];
  if (options.outFile !== undefined) args.push('--out', options.outFile);
  const proc = startProcess(python, args);
  const port = await waitFor('the OTLP receiver to listen', () => {
    if (proc.child.exitCode !== null) throw new Error(`otlp_receiver exited with code ${proc.child.exitCode}: ${proc.output()}`);
    const m = /otlp_receiver listening on 127\.0\.0\.1:(\d+)/.exec(proc.output());
    return m ? Number(m[1]) : undefined;
  }, 30_000, 20);
  const url = `http://127.0.0.1:${port}`;
  const post = async (path: string, body: unknown): Promise<void> => {
    const res = await fetch(`${url}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    if (!res.ok) throw new Error(`otlp_receiver ${path}: HTTP ${res.status}`);
    await res.arrayBuffer();
  };
  return {
    url,
    metricsUrl: `${url}/v1/metrics`,
    tracesUrl: `${url}/v1/traces`,
    port,
    process: proc,
    requests: async () => {
      const res = await fetch(`${url}/received`);
      return (await res.json()) as DecodedRequest[];
    },
    respondWith: (list) => post('/control', list),
    reset: () => post('/reset', {}),
    stop: () => proc.stop(),
  };
}
