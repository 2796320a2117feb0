import v8 from 'node:v8';
import fs from 'node:fs';
import { otelkit, promRegistry } from './lib/setup.mjs';
import { populateMeter, populateProm } from './lib/series.mjs';
const which = process.argv[2];
globalThis.keep = which === 'kit' ? otelkit() : promRegistry();
const N = 20000;
function summarize(file) {
  const snap = JSON.parse(fs.readFileSync(file, 'utf8'));
  const f = snap.snapshot.meta.node_fields, types = snap.snapshot.meta.node_types[0];
  const nf = f.length, ti = f.indexOf('type'), ni = f.indexOf('name'), si = f.indexOf('self_size');
  const agg = new Map();
  for (let i = 0; i < snap.nodes.length; i += nf) {
    const t = types[snap.nodes[i+ti]]; let name = snap.strings[snap.nodes[i+ni]];
    if (t === 'string' || t === 'concatenated string' || t === 'sliced string') name = '';
    const k = t + ':' + name.slice(0, 40);
    const a = agg.get(k) ?? [0, 0]; a[0] += snap.nodes[i+si]; a[1]++; agg.set(k, a);
  }
  return agg;
}
const f1 = v8.writeHeapSnapshot('/tmp/benchscratch/a.heapsnapshot');
if (which === 'kit') populateMeter(keep.meter, N, 'counters'); else populateProm(keep, N, 'counters');
const f2 = v8.writeHeapSnapshot('/tmp/benchscratch/b.heapsnapshot');
const a = summarize(f1), b = summarize(f2);
const rows = [];
for (const [k, v] of b) { const o = a.get(k) ?? [0, 0]; const d = v[0] - o[0]; if (d > N * 2) rows.push([k, d / N, (v[1] - o[1]) / N]); }
rows.sort((x, y) => y[1] - x[1]);
let tot = 0; for (const r of rows) { tot += r[1]; console.log(r[1].toFixed(1).padStart(7), 'B/series', r[2].toFixed(2).padStart(6), 'objs/series', r[0]); }
console.log('total of listed', tot.toFixed(0));
