// node bench/tools/http-client-cost.mjs [--requests 10000] [--rounds 9]
// The CPU a node:http client instrumentation adds per request, without the kernel's loopback:
// real http.request() calls (Node's ClientRequest, its parser and events) over an in-memory
// socket (an Agent whose `createConnection` returns it) that answers each request with a canned `200` — so the request
// path is Node's own and only the instrumentation differs: nothing, otelkit's
// HttpClientInstrumentation, @opentelemetry/instrumentation-http 0.301 (client part),
// interleaved. Same SDK pieces as http-client-overhead.mjs. Median of rounds, µs/request.
import { HttpInstrumentation as UpstreamHttp } from '@opentelemetry/instrumentation-http';
import { HttpClientInstrumentation } from '@otelkit/instrumentation-http';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { Duplex } from 'node:stream';
import { arg, clientSdk, interleave, median } from './client-bench-kit.mjs';

const REQUESTS = arg('requests', 10000);
const ROUNDS = arg('rounds', 9);
const require = createRequire(import.meta.url);

const { tracerProvider, meterProvider, exported } = clientSdk();
const upstream = new UpstreamHttp({ disableIncomingRequestInstrumentation: true });
upstream.setTracerProvider(tracerProvider);
upstream.setMeterProvider(meterProvider);
upstream.enable();
const http = require('node:http'); // after enable(): require-in-the-middle patches it
upstream.disable();
const ours = new HttpClientInstrumentation({ tracerProvider, meterProvider });

const RESPONSE = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');
/** A socket that answers the first bytes written to it with RESPONSE, then ends. */
function memorySocket() {
  let answered = false;
  const s = new Duplex({
    read() {},
    write(_chunk, _enc, cb) {
      if (!answered) {
        answered = true;
        setImmediate(() => {
          s.push(RESPONSE);
          s.push(null);
        });
      }
      cb();
    },
  });
  s.remoteAddress = '127.0.0.1';
  s.remotePort = 8080;
  for (const m of ['setTimeout', 'setNoDelay', 'setKeepAlive', 'ref', 'unref']) s[m] = () => s;
  return s;
}
// The agent's connection factory: Node's own pooling and request path, an in-memory socket.
class MemoryAgent extends http.Agent {
  createConnection() {
    return memorySocket();
  }
}
const agent = new MemoryAgent({ keepAlive: false, maxSockets: 8 });
let done = 0;
const one = (i) =>
  new Promise((resolve, reject) => {
    http
      .request({ host: '127.0.0.1', port: 8080, path: `/items/${i & 63}?page=${i % 7}`, agent }, (res) => {
        res.resume();
        res.on('end', () => ((done += 1), resolve()));
      })
      .on('error', reject)
      .end();
  });

const ONLY = process.env.ONLY;
const allVariants = {
  'node:http, no instrumentation': { on: () => undefined, off: () => undefined },
  'otelkit HttpClientInstrumentation': { on: () => ours.enable(), off: () => ours.disable() },
  'instrumentation-http 0.301 (client)': { on: () => upstream.enable(), off: () => upstream.disable() },
};
// ONLY=<substring>: just the matching variants (for a --cpu-prof run).
const variants = Object.fromEntries(Object.entries(allVariants).filter(([k]) => ONLY === undefined || k.includes(ONLY)));
const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
async function batch(n) {
  const t0 = cpuUs();
  for (let i = 0; i < n; i += 8) await Promise.all(Array.from({ length: 8 }, (_, k) => one(i + k)));
  return (cpuUs() - t0) / n;
}
const load0 = loadavg()[0];
const results = await interleave(variants, (_v, n) => batch(n), { warmup: 2000, requests: REQUESTS, rounds: ROUNDS });
await tracerProvider.forceFlush();
const base = results['node:http, no instrumentation'] ? median(results['node:http, no instrumentation']) : NaN;
console.log(`Node ${process.version}; ${ROUNDS} rounds × ${REQUESTS} requests (8 at a time); load average ${load0.toFixed(1)} → ${loadavg()[0].toFixed(1)}; spans exported ${exported()}, responses ${done}`);
for (const [k, xs] of Object.entries(results)) {
  const m = median(xs);
  console.log(`${k.padEnd(38)} ${m.toFixed(1).padStart(7)} µs/request  ${k.startsWith('node:http,') ? '' : `instrumentation: ${(m - base).toFixed(1)} µs`}  (min ${Math.min(...xs).toFixed(1)})`);
}
await tracerProvider.shutdown();
