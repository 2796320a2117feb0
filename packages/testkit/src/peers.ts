import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** True when running under CI: a missing peer is then a failure, never a skip. */
export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';

/** A free TCP port on loopback, chosen by the kernel. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Bound on one readiness probe of a starting peer: whatever answers on a port the peer could not
 * bind may accept and never reply, and a probe without a bound would wait forever instead of
 * seeing the peer exit.
 */
export const READY_PROBE_TIMEOUT_MS = 2000;

/** How a peer reports that its port was taken (Go servers, the Collector, PostgreSQL alike). */
export const PORT_TAKEN = /address already in use/i;

/** `url` fetched with the bound of one readiness probe ({@link READY_PROBE_TIMEOUT_MS}). */
export function probeReady(url: string): Promise<Response> {
  return fetch(url, { signal: AbortSignal.timeout(READY_PROBE_TIMEOUT_MS) });
}

/**
 * Runs `start` again (up to `attempts` times) while it fails with its port taken. A free port is
 * only free when it was checked: another process of the test run (turbo runs workspaces in
 * parallel) can bind it before the peer does — seen in CI as "bind: address already in use". So
 * `start` chooses its port(s) itself, and cleans up what it made before it throws.
 */
export async function retryOnPortTaken<T>(start: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (e) {
      if (attempt < attempts && PORT_TAKEN.test(e instanceof Error ? e.message : String(e))) continue;
      throw e;
    }
  }
}

/** {@link retryOnPortTaken} for a peer on one port from `choosePort` (default {@link freePort}). */
export function onFreePort<T>(start: (port: number) => Promise<T>, choosePort: () => Promise<number> = freePort): Promise<T> {
  return retryOnPortTaken(async () => start(await choosePort()));
}

/**
 * Path of a peer binary. Throws a clear error when missing: the test command (`npm test`)
 * installs peers first, so a missing one means provisioning failed — under CI and locally alike.
 */
export function requirePeer(binary: string, candidates: string[] = []): string {
  for (const p of [...candidates, `/usr/bin/${binary}`, `/usr/local/bin/${binary}`]) if (existsSync(p)) return p;
  const which = spawnSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' });
  const found = which.stdout.trim();
  if (which.status === 0 && found) return found;
  throw new Error(`peer "${binary}" is not installed; run \`npm test\` (it provisions peers with apt-get) or scripts/provision-peers.sh`);
}

export async function tempDir(prefix: string): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `otelkit-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export interface RunningProcess {
  readonly child: ChildProcess;
  /** Everything the process printed so far (stdout + stderr). */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<RunningProcess>();
let exitHookInstalled = false;

/** Starts a process whose lifetime is bound to the test run (killed on exit whatever happens). */
export function startProcess(command: string, args: string[], options: SpawnOptions = {}): RunningProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  let out = '';
  const keep = (b: Buffer): void => {
    out += b.toString('utf8');
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const proc: RunningProcess = {
    child,
    output: () => out,
    stop: async (graceMs = 5000) => {
      running.delete(proc);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await gone;
      clearTimeout(t);
    },
  };
  running.add(proc);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const p of running) p.child.kill('SIGKILL');
    });
  }
  return proc;
}

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes; the error names `what`. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      lastError = e;
      if (e instanceof Error && /exited with code/.test(e.message)) throw e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
