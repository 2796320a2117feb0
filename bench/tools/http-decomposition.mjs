// node bench/tools/http-decomposition.mjs [variant …]   (REPS=4 SECS=4 by default)
// The HTTP overhead scenario's servers, plus the decomposition of the otelkit row
// (otelkit-no-instrumentation: initTelemetry() with OTLP traces and /metrics, no HTTP
// instrumentation; otelkit-no-export: its instrumentation with traces exporter none), loaded in
// turn, interleaved, REPS times: throughput, and the server's CPU time per request (the robust
// number on a shared machine). Every run checks the telemetry's request count. For bench/NOTES.md.
import { load, pinSelf, readStats, startServer, startSink, unpinSelf } from '../http/load.mjs';

const variants = process.argv.slice(2);
if (variants.length === 0) variants.push('bare', 'otelkit-no-instrumentation', 'otelkit-no-export', 'otelkit', 'otelkit+instrumentation-http', 'otel-sdk', 'prom-client');
const reps = Number(process.env.REPS ?? 4);
const seconds = Number(process.env.SECS ?? 4);
pinSelf();
const sink = await startSink();
const servers = {};
process.on('unhandledRejection', (e) => {
  console.error(e);
  process.exit(1); // load.mjs kills the server children on exit
});
for (const v of variants) {
  servers[v] = await startServer(v, sink.url);
  await load(servers[v].port, { seconds: 2 });
}
const cpu = Object.fromEntries(variants.map((v) => [v, []]));
const rps = Object.fromEntries(variants.map((v) => [v, []]));
for (let r = 0; r < reps; r++) {
  for (const v of [...variants].sort(() => Math.random() - 0.5)) {
    const a = await readStats(servers[v].port);
    const res = await load(servers[v].port, { seconds });
    const b = await readStats(servers[v].port);
    const served = b.served - a.served;
    if (res.errors + res.non2xx > 0) throw new Error(`${v}: ${res.errors} errors, ${res.non2xx} non-2xx`);
    if (b.recorded !== undefined && v !== 'otelkit-no-instrumentation' && Math.abs(b.recorded - a.recorded - served) > 3) throw new Error(`${v}: recorded ${b.recorded - a.recorded}, served ${served}`);
    cpu[v].push((b.cpuMicros - a.cpuMicros) / served);
    rps[v].push(served / seconds);
  }
}
const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const base = med(cpu[variants[0]]);
console.log(`| server | CPU µs per request, median (min – max) | vs ${variants[0]} | requests/s, median |`);
console.log('|---|---:|---:|---:|');
for (const v of variants) {
  console.log(`| ${v} | ${med(cpu[v]).toFixed(1)} (${Math.min(...cpu[v]).toFixed(1)} – ${Math.max(...cpu[v]).toFixed(1)}) | ${(med(cpu[v]) / base).toFixed(2)}× | ${Math.round(med(rps[v]))} |`);
}
for (const v of variants) await servers[v].stop();
await sink.close();
unpinSelf();
