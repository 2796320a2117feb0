// The load generator's side of the HTTP overhead scenario (bench/scenarios/http-overhead.mjs):
// an OTLP sink for the server's spans, the server child on its own core, autocannon on another.
import autocannon from 'autocannon';
import { spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const CORES = availableParallelism();
const hasTaskset = spawnSync('taskset', ['-V']).status === 0;

/** Requests' paths: routes with varying ids and queries, as a service sees them. */
export const PATHS = Array.from({ length: 64 }, (_, i) =>
  i % 4 === 0 ? '/api/items' : i % 4 === 1 ? `/api/items/${1000 + i}` : i % 4 === 2 ? `/api/users/${i * 7}/orders?page=${i % 5}` : `/api/items/${i}?fields=name,price`,
);

/** Receives OTLP/HTTP exports (any path), counts requests and bytes, answers 200 with an empty body. */
export async function startSink() {
  const counts = { requests: 0, bytes: 0 };
  const server = http.createServer((req, res) => {
    req.on('data', (c) => (counts.bytes += c.length));
    req.on('end', () => {
      counts.requests++;
      res.setHeader('content-type', 'application/x-protobuf');
      res.end();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, counts, close: () => new Promise((r) => server.close(r)) };
}

/** Pins this process (the load generator and the sink) to the last core; the server gets core 0. */
export function pinSelf() {
  if (hasTaskset && CORES > 1) spawnSync('taskset', ['-a', '-cp', String(CORES - 1), String(process.pid)]);
}

/** Gives this process every core back (the scenarios after this one). */
export function unpinSelf() {
  if (hasTaskset && CORES > 1) spawnSync('taskset', ['-a', '-cp', `0-${CORES - 1}`, String(process.pid)]);
}

/** Every server child still running: killed when this process exits, however it exits. */
const children = new Set();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

/**
 * Starts the server child for a variant on core 0; resolves with its port and a stop().
 * `handler: 'work'`: the handler does representative work per request (bench/http/server.mjs).
 * `telemetryBundle`: another build of @otelkit/telemetry's entry (a file path), to compare builds.
 */
export async function startServer(variant, sinkUrl, { handler = 'trivial', telemetryBundle } = {}) {
  // BENCH_SERVER_ARGS: node options for the server only (e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`).
  const nodeArgs = (process.env.BENCH_SERVER_ARGS ?? '').split(' ').filter(Boolean);
  const args = [...nodeArgs, join(here, 'server.mjs'), variant];
  const cmd = hasTaskset && CORES > 1 ? 'taskset' : process.execPath;
  const argv = hasTaskset && CORES > 1 ? ['-c', '0', process.execPath, ...args] : args;
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OTEL_') && k !== 'NODE_OPTIONS') env[k] = v;
  env.OTLP_SINK = sinkUrl;
  env.BENCH_HANDLER = handler;
  if (telemetryBundle !== undefined) env.BENCH_TELEMETRY_BUNDLE = telemetryBundle;
  const child = spawn(cmd, argv, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  const port = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`bench/http/server.mjs ${variant} exited with ${code}`)));
  });
  return {
    port,
    stop: () =>
      new Promise((r) => {
        child.once('exit', r);
        child.kill('SIGTERM');
      }),
  };
}

/** autocannon against the server: `connections` keep-alive connections, for `seconds`. */
export function load(port, { seconds, connections = 32 }) {
  let i = 0;
  return autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration: seconds,
    requests: [{ setupRequest: (req) => ({ ...req, path: PATHS[i++ & 63] }) }],
  });
}

export async function readStats(port) {
  return (await fetch(`http://127.0.0.1:${port}/__stats`)).json();
}
