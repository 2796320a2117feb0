import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { OtlpReceiver } from '@otelkit/testkit';

export const SHUTDOWN_APP = fileURLToPath(new URL('../fixtures/shutdown-app.mjs', import.meta.url));

export interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  /** From the signal (or the spawn, without one) to the exit. */
  ms: number;
  /** `Date.now()` at the exit. */
  endedAt: number;
}

export interface RunOptions {
  readonly script?: string;
  readonly env: Record<string, string>;
  /** Sent once the app printed "ready". */
  readonly signal?: NodeJS.Signals;
  /** SIGKILL this long after `signal` (a platform's grace period), if still alive. */
  readonly killAfterMs?: number;
  readonly limitMs?: number;
  readonly onSpawn?: (child: ChildProcess) => void;
}

/** Runs a fixture to its end; rejects when it outlives `limitMs` (then it is SIGKILLed). */
export function runApp(o: RunOptions): Promise<Ended> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [o.script ?? SHUTDOWN_APP], {
      env: { PATH: process.env.PATH ?? '', ...o.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    o.onSpawn?.(child);
    let started = Date.now();
    let output = '';
    let signalled = false;
    let graceTimer: NodeJS.Timeout | undefined;
    const limit = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`app did not end within ${o.limitMs ?? 20_000} ms:\n${output}`));
    }, o.limitMs ?? 20_000);
    child.stdout.on('data', (b: Buffer) => {
      output += b.toString();
      if (o.signal && !signalled && output.includes('ready')) {
        signalled = true;
        started = Date.now();
        child.kill(o.signal);
        if (o.killAfterMs !== undefined) graceTimer = setTimeout(() => child.kill('SIGKILL'), o.killAfterMs);
      }
    });
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    child.on('exit', (code, signal) => {
      clearTimeout(limit);
      clearTimeout(graceTimer);
      resolve({ code, signal, output, ms: Date.now() - started, endedAt: Date.now() });
    });
  });
}

/** Every value of the counter `name` in the OTLP metric exports received, one per export and series. */
export function otlpValues(reqs: Awaited<ReturnType<OtlpReceiver['requests']>>, name: string): number[] {
  const values: number[] = [];
  for (const r of reqs) {
    if (r.path !== '/v1/metrics' || !r.body) continue;
    for (const rm of r.body.resource_metrics ?? []) {
      for (const sm of rm.scope_metrics ?? []) {
        for (const m of sm.metrics ?? []) {
          if (m.name !== name) continue;
          for (const dp of m.sum?.data_points ?? []) values.push(Number(dp.as_double ?? dp.as_int));
        }
      }
    }
  }
  return values;
}
