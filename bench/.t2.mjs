import v8 from 'node:v8';
import fs from 'node:fs';
import { otelkit } from './lib/setup.mjs';
import { populateMeter } from './lib/series.mjs';
globalThis.keep = otelkit();
const N = 20000;
function load(file) { return JSON.parse(fs.readFileSync(file, 'utf8')); }
const f1 = v8.writeHeapSnapshot('/tmp/benchscratch/a.heapsnapshot');
populateMeter(keep.meter, N, 'counters');
const f2 = v8.writeHeapSnapshot('/tmp/benchscratch/b.heapsnapshot');
const A = load(f1), B = load(f2);
const m = B.snapshot.meta, nf = m.node_fields.length, ef = m.edge_fields.length;
const NT = m.node_types[0], ET = m.edge_types[0];
const [ti, ni, ii, si, eci] = ['type','name','id','self_size','edge_count'].map(x => m.node_fields.indexOf(x));
const [eti, eni, eto] = ['type','name_or_index','to_node'].map(x => m.edge_fields.indexOf(x));
const oldIds = new Set(); for (let i = 0; i < A.nodes.length; i += nf) oldIds.add(A.nodes[i+ii]);
const nodes = B.nodes, edges = B.edges, S = B.strings;
const label = (i) => { const t = NT[nodes[i+ti]]; const n = S[nodes[i+ni]]; return t + ':' + ((t.includes('string')) ? '' : n.slice(0, 30)); };
const agg = new Map();
let e = 0;
for (let i = 0; i < nodes.length; i += nf) {
  const from = label(i);
  for (let k = 0; k < nodes[i+eci]; k++, e += ef) {
    const to = edges[e+eto]; if (oldIds.has(nodes[to+ii])) continue;
    const et = ET[edges[e+eti]]; if (et === 'weak') continue;
    const en = (et === 'element' || et === 'hidden') ? '[]' : S[edges[e+eni]];
    const key = label(to) + '  <-' + en + '-  ' + from;
    const a = agg.get(key) ?? [0, 0]; a[0] += nodes[to+si]; a[1]++; agg.set(key, a);
  }
}
[...agg].filter(([, v]) => v[0] > N * 4).sort((x, y) => y[1][0] - x[1][0]).slice(0, 25).forEach(([k, v]) => console.log((v[0]/N).toFixed(1).padStart(7), (v[1]/N).toFixed(2).padStart(6), k));
