// Startup phases inside the process, interleaved runs of bench/startup/phases-*.mjs: bootstrap
// (process start to the first line of the service module), imports, telemetry setup, listen, the
// first scrape (a GET of its own /metrics, body read).
// usage: node bench/tools/startup-phases.mjs [reps]  — medians in ms, with the load average.
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'startup');
const reps = Number(process.argv[2] ?? 9);
const rows = { 'prom-client': [], otelkit: [] };
const load0 = loadavg()[0];
for (let i = 0; i <= reps; i++) {
  for (const name of Object.keys(rows)) {
    const r = spawnSync(process.execPath, [join(dir, `phases-${name}.mjs`)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    if (i > 0) rows[name].push(JSON.parse(r.stdout)); // the first run fills the file cache
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`load ${load0.toFixed(2)} -> ${loadavg()[0].toFixed(2)}, ${reps} reps, medians (ms)`);
for (const [name, runs] of Object.entries(rows)) {
  console.log(`${name.padEnd(12)} ${Object.keys(runs[0]).map((k) => `${k} ${median(runs.map((r) => r[k])).toFixed(1)}`).join('  ')}`);
}
