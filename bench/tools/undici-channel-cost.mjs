// node bench/tools/undici-channel-cost.mjs [--requests 20000] [--rounds 9]
// The CPU an undici/fetch() client instrumentation adds per request, without the network: the
// five undici diagnostics-channel messages of one request (create, client:sendHeaders, headers,
// trailers) are published with request objects shaped like undici's (origin, path, method,
// headers array, addHeader), so only the subscribers' work is timed — otelkit's
// UndiciInstrumentation vs @opentelemetry/instrumentation-undici 0.34, interleaved, nothing
// subscribed as the baseline. Same SDK pieces as http-client-overhead.mjs (AlwaysOn sampling,
// BatchSpanProcessor to a dropping exporter, otelkit's MeterProvider). Median of rounds, ns/request.
import { UndiciInstrumentation } from '@otelkit/instrumentation-http';
import { channel } from 'node:diagnostics_channel';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { arg, clientSdk, interleave, median } from './client-bench-kit.mjs';

const REQUESTS = arg('requests', 20000);
const ROUNDS = arg('rounds', 9);
const require = createRequire(import.meta.url);
const { UndiciInstrumentation: UpstreamUndici } = await import(require.resolve('@opentelemetry/instrumentation-undici', { paths: [new URL('../../packages/instrumentation-http/', import.meta.url).pathname] }));

const { tracerProvider, meterProvider, exported } = clientSdk();
const upstream = new UpstreamUndici();
upstream.setTracerProvider(tracerProvider);
upstream.setMeterProvider(meterProvider);
upstream.disable();
const ours = new UndiciInstrumentation({ tracerProvider, meterProvider });

const create = channel('undici:request:create');
const sendHeaders = channel('undici:client:sendHeaders');
const headers = channel('undici:request:headers');
const trailers = channel('undici:request:trailers');
const socket = { remoteAddress: '127.0.0.1', remotePort: 8080, alpnProtocol: false };
const response = { statusCode: 200, headers: [], statusText: 'OK' };
const noTrailers = [];

let sink = 0;
function oneRequest(i) {
  // What fetch() hands undici: a serialized target, the default headers as name/value pairs.
  const request = {
    origin: 'http://127.0.0.1:8080',
    path: `/items/${i & 63}?page=${i % 7}`,
    method: 'GET',
    headers: ['accept', '*/*', 'accept-language', '*', 'sec-fetch-mode', 'cors', 'user-agent', 'node', 'accept-encoding', 'gzip, deflate'],
    addHeader(k, v) {
      this.headers.push(k, v);
      return this;
    },
  };
  create.publish({ request });
  sendHeaders.publish({ request, headers: '', socket });
  headers.publish({ request, response });
  trailers.publish({ request, trailers: noTrailers });
  sink += request.headers.length;
}

const variants = {
  'nothing subscribed (baseline)': { on: () => undefined, off: () => undefined },
  'otelkit UndiciInstrumentation': { on: () => ours.enable(), off: () => ours.disable() },
  'instrumentation-undici 0.34': { on: () => upstream.enable(), off: () => upstream.disable() },
};
const cpuNs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
};
async function batch(n) {
  const t0 = cpuNs();
  for (let i = 0; i < n; i++) {
    oneRequest(i);
    if ((i & 1023) === 1023) await new Promise((r) => setImmediate(r));
  }
  return (cpuNs() - t0) / n;
}
const load0 = loadavg()[0];
const results = await interleave(variants, (_v, n) => batch(n), { warmup: 5000, requests: REQUESTS, rounds: ROUNDS });
await tracerProvider.forceFlush();
const base = median(results['nothing subscribed (baseline)']);
console.log(`Node ${process.version}; ${ROUNDS} rounds × ${REQUESTS} requests; load average ${load0.toFixed(1)} → ${loadavg()[0].toFixed(1)}; spans exported ${exported()} (checksum ${sink})`);
for (const [k, xs] of Object.entries(results)) {
  const m = median(xs);
  console.log(`${k.padEnd(34)} ${m.toFixed(0).padStart(7)} ns/request  ${k.startsWith('nothing') ? '' : `instrumentation: ${(m - base).toFixed(0)} ns`}  (min ${Math.min(...xs).toFixed(0)})`);
}
await tracerProvider.shutdown();
