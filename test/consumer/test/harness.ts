import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProcess, waitFor, type RunningProcess } from '@otelkit/testkit';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO = resolve(here, '..', '..', '..');
export const APPS = resolve(here, '..', 'apps');

/** Every public package, in dependency order. */
export const PUBLIC_PACKAGES = ['metrics', 'prometheus', 'otlp', 'meters', 'instrumentation-http', 'telemetry'] as const;

/**
 * What an application built today depends on next to otelkit (issue 11): the current API and
 * the 0.301 instrumentation line that requires it, express, and for the coexistence app NodeSDK.
 */
export const APP_DEPENDENCIES = {
  '@opentelemetry/api': '1.10.0',
  '@opentelemetry/instrumentation-http': '0.301.0',
  express: '5.3.0',
} as const;
export const NODESDK_DEPENDENCIES = { '@opentelemetry/sdk-node': '0.301.0' } as const;
export const TS_DEV_DEPENDENCIES = { typescript: '5.9.3', '@types/node': '22.20.7', '@types/express': '5.0.6' } as const;

const started = Date.now();
/** Progress on stderr, with the seconds since the harness loaded. */
export function progress(line: string): void {
  process.stderr.write(`  [consumer +${((Date.now() - started) / 1000).toFixed(1)}s] ${line}\n`);
}

export interface CommandResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion, bounded in time; never inherits the monorepo as working directory. */
export function run(command: string, args: readonly string[], cwd: string, timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Promise<CommandResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} (in ${cwd}) did not finish within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      resolvePromise({ status, stdout, stderr });
    });
  });
}

/**
 * npm as the Node under test runs it: npm's own CLI script on process.execPath, so a PATH whose
 * first `node` is another version changes nothing.
 */
function npmCommand(): { command: string; prefix: string[] } {
  const r = spawnSync('npm', ['root', '-g'], { encoding: 'utf8' });
  const cli = r.status === 0 ? join(r.stdout.trim(), 'npm', 'bin', 'npm-cli.js') : '';
  return existsSync(cli) ? { command: process.execPath, prefix: [cli] } : { command: 'npm', prefix: [] };
}
const npm = npmCommand();

const NPM_NETWORK_CONFIG = /^npm_config_(registry|cache|cafile|ca|proxy|https_proxy|noproxy|strict_ssl)$/i;

/**
 * Environment for npm and the apps: none of the monorepo's npm settings leak in. (Under turbo,
 * test/consumer/turbo.json passes the CA and proxy variables through: without them npm falls back
 * to its cache only after TLS retries, ~70 s per install on a machine with a custom CA.)
 */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    // npm's run-script variables (npm_package_*, npm_config_local_prefix = the monorepo, …) would
    // tie the install to the monorepo; the network settings a machine needs for the registry stay.
    if (/^npm_/i.test(k) && !NPM_NETWORK_CONFIG.test(k)) continue;
    if (k.startsWith('OTEL_') || k === 'INIT_CWD' || k === 'NODE_OPTIONS') continue;
    env[k] = v;
  }
  // The Node under test first on PATH, so npm's lifecycle scripts and `#!/usr/bin/env node` use it.
  env.PATH = `${dirname(process.execPath)}:${process.env.PATH ?? ''}`;
  return { ...env, ...extra };
}

export async function npmRun(args: readonly string[], cwd: string, timeoutMs: number): Promise<CommandResult> {
  return run(npm.command, [...npm.prefix, ...args], cwd, timeoutMs, cleanEnv({ npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' }));
}

/** `npm pack` of every public package (built beforehand by turbo) into `dest`; returns name → tarball. */
export async function packAll(dest: string): Promise<Record<string, string>> {
  mkdirSync(dest, { recursive: true });
  const tarballs: Record<string, string> = {};
  for (const p of PUBLIC_PACKAGES) {
    const dir = join(REPO, 'packages', p);
    if (!existsSync(join(dir, 'dist', 'index.js'))) throw new Error(`packages/${p} is not built (no dist/index.js): run \`npx turbo run build\` first`);
    const r = await npmRun(['pack', '--json', '--ignore-scripts', '--pack-destination', dest], dir, 60_000);
    if (r.status !== 0) throw new Error(`npm pack in packages/${p} failed:\n${r.stderr}`);
    const [info] = JSON.parse(r.stdout) as { name: string; filename: string }[];
    tarballs[info!.name] = join(dest, info!.filename);
  }
  return tarballs;
}

export type AppKind = 'esm' | 'cjs' | 'ts' | 'nodesdk';

export interface App {
  readonly kind: AppKind;
  readonly dir: string;
  /** The file `node` runs. */
  readonly entry: string;
}

/**
 * A fresh application in `root/<kind>` (outside the monorepo): the template files of apps/<kind>,
 * and a package.json depending on the tarballs (all six: @otelkit/* are not on the registry)
 * and on the app's own API, instrumentation and express from the registry.
 */
export function createApp(kind: AppKind, root: string, tarballs: Record<string, string>): App {
  const dir = join(root, kind);
  cpSync(join(APPS, kind), dir, { recursive: true });
  const dependencies: Record<string, string> = { ...APP_DEPENDENCIES };
  for (const [name, file] of Object.entries(tarballs)) dependencies[name] = `file:${file}`;
  if (kind === 'nodesdk') Object.assign(dependencies, NODESDK_DEPENDENCIES);
  const pkg = {
    name: `otelkit-consumer-${kind}`,
    version: '1.0.0',
    private: true,
    type: kind === 'cjs' ? 'commonjs' : 'module',
    dependencies,
    ...(kind === 'ts' ? { devDependencies: { ...TS_DEV_DEPENDENCIES } } : {}),
  };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  const entry = kind === 'cjs' ? 'app.cjs' : kind === 'ts' ? join('dist', 'app.js') : 'app.mjs';
  return { kind, dir, entry };
}

/** `npm install` from the tarballs and the registry (npm's cache; nothing from the monorepo). */
export async function installApp(app: App): Promise<CommandResult> {
  return npmRun(['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], app.dir, 240_000);
}

/** Every `@opentelemetry/api` node of `npm ls @opentelemetry/api --all --json`: path in the tree → version. */
export async function npmLsApi(app: App): Promise<{ versions: string[]; tree: unknown }> {
  const r = await npmRun(['ls', '@opentelemetry/api', '--all', '--json'], app.dir, 60_000);
  const tree = JSON.parse(r.stdout) as unknown;
  const versions = new Set<string>();
  const walk = (node: { dependencies?: Record<string, { version?: string; dependencies?: unknown }> }): void => {
    for (const [name, child] of Object.entries(node.dependencies ?? {})) {
      if (name === '@opentelemetry/api' && child.version !== undefined) versions.add(child.version);
      walk(child as never);
    }
  };
  walk(tree as never);
  return { versions: [...versions].sort(), tree };
}

/** Physical copies of `@opentelemetry/api` under the app's node_modules (relative paths). */
export function apiCopiesOnDisk(app: App): string[] {
  const found: string[] = [];
  const walk = (nm: string, depth: number): void => {
    if (depth > 8 || !existsSync(nm)) return;
    for (const entry of readdirSync(nm)) {
      if (entry.startsWith('.')) continue;
      const dirs = entry.startsWith('@') ? readdirSync(join(nm, entry)).map((e) => join(entry, e)) : [entry];
      for (const d of dirs) {
        if (d === join('@opentelemetry', 'api')) found.push(join(nm, d).slice(app.dir.length + 1));
        walk(join(nm, d, 'node_modules'), depth + 1);
      }
    }
  };
  walk(join(app.dir, 'node_modules'), 0);
  return found.sort();
}

export interface RunningApp {
  readonly port: number;
  readonly metricsUrl: string;
  readonly process: RunningProcess;
  /** Resolves with the exit code once the app ended by itself. */
  readonly exited: Promise<number | null>;
  stderr(): string;
}

/** Starts the app on the Node under test and waits for its `{"ready":true,…}` line. */
export async function startApp(app: App, env: Record<string, string>): Promise<RunningApp> {
  const proc = startProcess(process.execPath, [app.entry], { cwd: app.dir, env: cleanEnv(env) });
  let stderr = '';
  proc.child.stderr?.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  const exited = new Promise<number | null>((r) => proc.child.once('exit', (code) => r(code)));
  const ready = await waitFor(
    `the ${app.kind} app to listen`,
    () => {
      if (proc.child.exitCode !== null) throw new Error(`the ${app.kind} app exited with code ${proc.child.exitCode}:\n${proc.output()}`);
      const line = proc.output().split('\n').find((l) => l.startsWith('{"ready":true'));
      return line === undefined ? undefined : (JSON.parse(line) as { port: number; metricsUrl: string });
    },
    30_000,
    20,
  );
  return { ...ready, process: proc, exited, stderr: () => stderr };
}

export function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}
