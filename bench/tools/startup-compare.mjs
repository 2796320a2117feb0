// Side-by-side whole-process startup: runs each command interleaved (round-robin, so load spikes
// hit every row alike) and prints the median wall time and its ratio to the first row.
// usage: node bench/tools/startup-compare.mjs <reps> '<label>=<script> [args…]' …
// Scripts are resolved against bench/startup/. Reports the 1-minute load average before and after,
// and each row's median CPU time (user + system, all threads: bench/startup/cpu-time.mjs), which
// moves less than wall time on a shared machine.
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { hrtime } from 'node:process';
import { fileURLToPath } from 'node:url';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'startup');
const reps = Number(process.argv[2]);
const rows = process.argv.slice(3).map((spec) => {
  const eq = spec.indexOf('=');
  const [script, ...args] = spec.slice(eq + 1).split(' ');
  return { label: spec.slice(0, eq), argv: ['--import', join(dir, 'cpu-time.mjs'), join(dir, script), ...args], ms: [], cpu: [] };
});
const env = {};
for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OTEL_') && k !== 'NODE_OPTIONS') env[k] = v;
const load0 = loadavg()[0];
for (const r of rows) spawnSync(process.execPath, r.argv, { env }); // file cache
for (let i = 0; i < reps; i++) {
  for (const r of rows) {
    const t0 = hrtime.bigint();
    const p = spawnSync(process.execPath, r.argv, { env, encoding: 'utf8', timeout: 30_000 });
    if (p.status !== 0) throw new Error(`${r.label}: exit ${p.status}\n${p.stderr}`);
    r.ms.push(Number(hrtime.bigint() - t0) / 1e6);
    r.cpu.push(Number(/startup-cpu-us (\d+)/.exec(p.stderr)[1]) / 1000);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = median(rows[0].ms);
const baseCpu = median(rows[0].cpu);
console.log(`load ${load0.toFixed(2)} -> ${loadavg()[0].toFixed(2)}, ${reps} reps; wall: median (min) ms, ratio; CPU: median ms, ratio`);
for (const r of rows) {
  console.log(`${r.label.padEnd(28)} ${median(r.ms).toFixed(1).padStart(7)} (${Math.min(...r.ms).toFixed(1).padStart(6)}) ${(median(r.ms) / base).toFixed(2)}x   CPU ${median(r.cpu).toFixed(1).padStart(6)} ${(median(r.cpu) / baseCpu).toFixed(2)}x`);
}
