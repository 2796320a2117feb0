// node bench/tools/profile-summary.mjs <file.cpuprofile> [top=20]
// Self time by function of a `node --cpu-prof` profile, as percentages. Used for bench/NOTES.md.
import { readFileSync } from 'node:fs';

const [file, top = '20'] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
let total = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const cf = byId.get(profile.samples[i]).callFrame;
  const key = `${cf.functionName || '(anonymous)'}  ${cf.url.split('/').slice(-3).join('/')}:${cf.lineNumber + 1}`;
  const dt = profile.timeDeltas[i] ?? 0;
  self.set(key, (self.get(key) ?? 0) + dt);
  total += dt;
}
for (const [key, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(top))) {
  console.log(`${((100 * t) / total).toFixed(1).padStart(5)}%  ${key}`);
}
