// node bench/tools/http-decomposition.mjs [variant …]   (REPS=4 SECS=4 by default)
// The HTTP overhead scenario's servers, plus the decomposition of the otelkit row
// (otelkit-no-instrumentation: initTelemetry() with OTLP traces and /metrics, no HTTP
// instrumentation; otelkit-no-export: its instrumentation with traces exporter none), loaded in
// turn, interleaved, REPS times: throughput, and the server's CPU time per request (the robust
// number on a shared machine). Every run checks the telemetry's request count. For bench/NOTES.md.
// A variant suffixed `:work` runs with the representative handler (BENCH_HANDLER=work, ~70 µs of
// CPU per request; bench/http/server.mjs) and is compared with `bare:work`; the others with the
// first trivial variant. Columns: µs added per request and the throughput lost, both from CPU per
// request and from requests/s.
import { loadavg } from 'node:os';
import { load, pinSelf, readStats, startServer, startSink, unpinSelf } from '../http/load.mjs';

const variants = process.argv.slice(2);
if (variants.length === 0) variants.push('bare', 'otelkit-no-instrumentation', 'otelkit-no-export', 'otelkit', 'otelkit+instrumentation-http', 'otel-sdk', 'prom-client', 'bare:work', 'otelkit:work', 'otel-sdk:work');
const reps = Number(process.env.REPS ?? 4);
const seconds = Number(process.env.SECS ?? 4);
pinSelf();
const sink = await startSink();
const servers = {};
process.on('unhandledRejection', (e) => {
  console.error(e);
  process.exit(1); // load.mjs kills the server children on exit
});
// `variant[:work][=path]`: with `=path`, the server imports @otelkit/telemetry from that file (another
// build of dist/bundle/index.js), so that two builds compare in one interleaved run.
const parse = (v) => {
  const [name, telemetryBundle] = v.split('=');
  const [variant, handler] = name.split(':');
  return { variant, handler: handler === 'work' ? 'work' : 'trivial', telemetryBundle };
};
for (const v of variants) {
  const { variant, handler, telemetryBundle } = parse(v);
  servers[v] = await startServer(variant, sink.url, { handler, telemetryBundle });
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
    if (b.recorded !== undefined && parse(v).variant !== 'otelkit-no-instrumentation' && Math.abs(b.recorded - a.recorded - served) > 3) throw new Error(`${v}: recorded ${b.recorded - a.recorded}, served ${served}`);
    cpu[v].push((b.cpuMicros - a.cpuMicros) / served);
    rps[v].push(served / seconds);
  }
}
const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const baseOf = (v) => (parse(v).handler === 'work' ? variants.find((x) => x === 'bare:work') : variants.find((x) => parse(x).handler === 'trivial'));
console.log(`load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}; ${reps} × ${seconds} s per variant, interleaved`);
console.log('| server | CPU µs per request, median (min – max) | vs its bare | µs added (CPU) | throughput lost (CPU) | requests/s, median (min – max) | throughput lost (requests/s) |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const v of variants) {
  const b = baseOf(v);
  const c = med(cpu[v]);
  const cb = b === undefined ? NaN : med(cpu[b]);
  const r = med(rps[v]);
  const rb = b === undefined ? NaN : med(rps[b]);
  const pct = (x) => (Number.isNaN(x) ? '—' : `${(x * 100).toFixed(1)}%`);
  console.log(
    `| ${v} | ${c.toFixed(1)} (${Math.min(...cpu[v]).toFixed(1)} – ${Math.max(...cpu[v]).toFixed(1)}) | ${(c / cb).toFixed(2)}× | ${(c - cb).toFixed(1)} | ${pct(1 - cb / c)} | ${Math.round(r)} (${Math.round(Math.min(...rps[v]))} – ${Math.round(Math.max(...rps[v]))}) | ${pct(1 - r / rb)} |`,
  );
}
for (const v of variants) await servers[v].stop();
await sink.close();
unpinSelf();
