// node bench/tools/profile-summary.mjs <file.cpuprofile> [top=20] [--inclusive regex]
// Self time by function of a `node --cpu-prof` profile, as percentages. Used for bench/NOTES.md.
// With --inclusive, also the time spent inside (self + callees) each function whose
// "name  file:line" matches the regex, counted once per sample even when it recurses.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const incAt = args.indexOf('--inclusive');
const inclusive = incAt >= 0 ? new RegExp(args.splice(incAt, 2)[1]) : undefined;
const [file, top = '20'] = args;
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const keyOf = (cf) => `${cf.functionName || '(anonymous)'}  ${cf.url.split('/').slice(-3).join('/')}:${cf.lineNumber + 1}`;
const self = new Map();
const incl = new Map();
let total = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i];
  const key = keyOf(byId.get(id).callFrame);
  const dt = profile.timeDeltas[i] ?? 0;
  self.set(key, (self.get(key) ?? 0) + dt);
  total += dt;
  if (inclusive) {
    const seen = new Set();
    for (let n = id; n !== undefined; n = parent.get(n)) {
      const k = keyOf(byId.get(n).callFrame);
      if (!seen.has(k) && inclusive.test(k)) {
        seen.add(k);
        incl.set(k, (incl.get(k) ?? 0) + dt);
      }
    }
  }
}
for (const [key, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(top))) {
  console.log(`${((100 * t) / total).toFixed(1).padStart(5)}%  ${key}`);
}
if (inclusive) {
  console.log(`\ninclusive (self + callees):`);
  for (const [key, t] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, Number(top))) console.log(`${((100 * t) / total).toFixed(1).padStart(5)}%  ${key}`);
}
