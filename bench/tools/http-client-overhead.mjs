// node bench/tools/http-client-overhead.mjs [--requests 4000] [--rounds 7] [--concurrency 8]
// CPU per outgoing request of the client instrumentations, in the calling process: node:http
// (bare / @otelkit/instrumentation-http HttpClientInstrumentation / @opentelemetry/instrumentation-http
// client part) and fetch() (bare / UndiciInstrumentation / @opentelemetry/instrumentation-undici).
// The loopback server runs in a child process, so only the client's CPU is counted
// (process.cpuUsage() over a batch of requests, keep-alive, `--concurrency` in flight). Variants
// are interleaved in a shuffled order each round; the median of the rounds is reported, with the
// cost over the bare client. Every request is sampled (AlwaysOn), its span goes through a
// BatchSpanProcessor to an exporter that drops it, and the duration histogram is otelkit's.
// @opentelemetry/instrumentation-undici resolves from packages/instrumentation-http's devDependency.
import { HttpInstrumentation as UpstreamHttp } from '@opentelemetry/instrumentation-http';
import { HttpClientInstrumentation, UndiciInstrumentation } from '@otelkit/instrumentation-http';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { arg, clientSdk, interleave, median } from './client-bench-kit.mjs';

const REQUESTS = arg('requests', 4000);
const ROUNDS = arg('rounds', 7);
const CONCURRENCY = arg('concurrency', 8);
const require = createRequire(import.meta.url);
const { UndiciInstrumentation: UpstreamUndici } = await import(require.resolve('@opentelemetry/instrumentation-undici', { paths: [new URL('../../packages/instrumentation-http/', import.meta.url).pathname] }));

const { tracerProvider, meterProvider, exported } = clientSdk();

const upstreamHttp = new UpstreamHttp({ disableIncomingRequestInstrumentation: true });
upstreamHttp.setTracerProvider(tracerProvider);
upstreamHttp.setMeterProvider(meterProvider);
upstreamHttp.disable();
const upstreamUndici = new UpstreamUndici();
upstreamUndici.setTracerProvider(tracerProvider);
upstreamUndici.setMeterProvider(meterProvider);
upstreamUndici.disable();
const oursHttp = new HttpClientInstrumentation({ tracerProvider, meterProvider });
const oursUndici = new UndiciInstrumentation({ tracerProvider, meterProvider });
// Enabled once so that require-in-the-middle hooks node:http; its enable()/disable() then patch in place.
upstreamHttp.enable();
const http = require('node:http');
upstreamHttp.disable();

// The server: another process (its CPU is not the client's).
const server = spawn(process.execPath, ['-e', `
  const s = require('node:http').createServer((req, res) => { req.resume(); req.on('end', () => res.end('ok')); });
  s.keepAliveTimeout = 60000;
  s.listen(0, '127.0.0.1', () => console.log(s.address().port));
`], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise((resolve) => server.stdout.once('data', (d) => resolve(Number(String(d).trim()))));
const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

let served = 0;
const viaHttp = () =>
  new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: `/items/${served % 64}?page=${served % 7}`, agent }, (res) => {
        res.resume();
        res.on('end', () => ((served += 1), resolve()));
      })
      .on('error', reject);
  });
const viaFetch = async () => {
  const res = await fetch(`http://127.0.0.1:${port}/items/${served % 64}?page=${served % 7}`);
  await res.arrayBuffer();
  served += 1;
};

const ONLY = process.env.ONLY;
const allVariants = {
  'node:http bare': { call: viaHttp, on: () => undefined, off: () => undefined },
  'node:http + otelkit HttpClientInstrumentation': { call: viaHttp, on: () => oursHttp.enable(), off: () => oursHttp.disable() },
  'node:http + instrumentation-http 0.301 (client)': { call: viaHttp, on: () => upstreamHttp.enable(), off: () => upstreamHttp.disable() },
  'fetch bare': { call: viaFetch, on: () => undefined, off: () => undefined },
  'fetch + otelkit UndiciInstrumentation': { call: viaFetch, on: () => oursUndici.enable(), off: () => oursUndici.disable() },
  'fetch + instrumentation-undici 0.34': { call: viaFetch, on: () => upstreamUndici.enable(), off: () => upstreamUndici.disable() },
};
// ONLY=<substring>: just the matching variants (for a --cpu-prof run).
const variants = Object.fromEntries(Object.entries(allVariants).filter(([k]) => ONLY === undefined || k.includes(ONLY)));

const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
async function batch(call, n) {
  let next = 0;
  const t0 = cpuUs();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < n) {
        next += 1;
        await call();
      }
    }),
  );
  return (cpuUs() - t0) / n;
}

const load0 = loadavg()[0];
const results = await interleave(variants, (v, n) => batch(v.call, n), { warmup: Math.min(1000, REQUESTS), requests: REQUESTS, rounds: ROUNDS });
await tracerProvider.forceFlush();
console.log(`Node ${process.version}; ${ROUNDS} rounds × ${REQUESTS} requests, ${CONCURRENCY} in flight, keep-alive; load average ${load0.toFixed(1)} → ${loadavg()[0].toFixed(1)}; spans exported ${exported()}`);
console.log(`${'client CPU per request (median of rounds)'.padEnd(52)} ${'µs'.padStart(7)} ${'over bare'.padStart(10)}  (min–max µs)`);
for (const group of ['node:http', 'fetch']) {
  const bare = results[`${group} bare`] === undefined ? NaN : median(results[`${group} bare`]);
  for (const [k, xs] of Object.entries(results)) {
    if (!k.startsWith(group)) continue;
    const m = median(xs);
    const over = k.endsWith('bare') ? '' : `+${(m - bare).toFixed(1)}`;
    console.log(`${k.padEnd(52)} ${m.toFixed(1).padStart(7)} ${over.padStart(10)}  (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})`);
  }
}
agent.destroy();
server.kill();
await tracerProvider.shutdown();
