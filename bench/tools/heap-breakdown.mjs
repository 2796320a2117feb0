// node bench/tools/heap-breakdown.mjs <prom-client|otel-sdk|otelkit> [series=20000] [mixed|counters|histograms] [scrape]
//
// Where the bytes of one series go: two heap snapshots around building the series (layout of
// bench/lib/series.mjs) — and scraping them once, with `scrape`; every object that is new in the second is counted once, grouped by
// "type:name <-edge- retainer", in bytes per series. Used for the heap notes in bench/NOTES.md.
import { readFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { otelkit, otelkitScrape, otelSdk, promRegistry } from '../lib/setup.mjs';
import { populateMeter, populateProm } from '../lib/series.mjs';

const [contestant = 'otelkit', seriesArg = '20000', layout = 'counters', scrapeArg] = process.argv.slice(2);
const N = Number(seriesArg);
const state = contestant === 'otelkit' ? otelkit() : contestant === 'otel-sdk' ? otelSdk() : promRegistry();
globalThis.benchState = state;

const snapshot = (tag) => {
  const file = join(tmpdir(), `otelkit-heap-${process.pid}-${tag}.heapsnapshot`);
  writeHeapSnapshot(file);
  const parsed = JSON.parse(readFileSync(file, 'utf8'));
  unlinkSync(file);
  return parsed;
};

/** Ids of the objects that exist before the series are built; the parsed snapshot itself must be gone before the second one. */
function existingIds() {
  const A = snapshot('before');
  const f = A.snapshot.meta.node_fields;
  // A sorted typed array lives off the JS heap, so it does not show up in the second snapshot.
  const ids = new Float64Array(A.nodes.length / f.length);
  for (let i = f.indexOf('id'), j = 0; i < A.nodes.length; i += f.length, j++) ids[j] = A.nodes[i];
  return ids.sort();
}
function existed(ids, id) {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ids[mid] < id) lo = mid + 1;
    else hi = mid;
  }
  return lo < ids.length && ids[lo] === id;
}
const scrape =
  contestant === 'prom-client' ? () => state.metrics() : contestant === 'otel-sdk' ? () => state.collectText() : (await otelkitScrape(state.store)).scrape;
const oldIds = existingIds();
if (contestant === 'prom-client') populateProm(state, N, layout);
else populateMeter(state.meter, N, layout);
if (scrapeArg === 'scrape') {
  const length = await (async () => (await scrape()).length)();
  await new Promise((resolve) => setImmediate(resolve));
  console.log(`scraped once (${length} characters)`);
}
const B = snapshot('after');

const meta = B.snapshot.meta;
const nf = meta.node_fields.length;
const ef = meta.edge_fields.length;
const nodeTypes = meta.node_types[0];
const edgeTypes = meta.edge_types[0];
const [ti, ni, ii, si, eci] = ['type', 'name', 'id', 'self_size', 'edge_count'].map((x) => meta.node_fields.indexOf(x));
const [eti, eni, eto] = ['type', 'name_or_index', 'to_node'].map((x) => meta.edge_fields.indexOf(x));
const { nodes, edges, strings } = B;
const label = (i) => {
  const t = nodeTypes[nodes[i + ti]];
  return `${t}:${t.includes('string') ? '' : strings[nodes[i + ni]].slice(0, 30)}`;
};

const groups = new Map();
const seen = new Set();
let total = 0;
let e = 0;
for (let i = 0; i < nodes.length; i += nf) {
  const from = label(i);
  for (let k = 0; k < nodes[i + eci]; k++, e += ef) {
    const to = edges[e + eto];
    const et = edgeTypes[edges[e + eti]];
    if (et === 'weak' || nodeTypes[nodes[to + ti]] === 'native' || seen.has(to) || existed(oldIds, nodes[to + ii])) continue;
    seen.add(to);
    const edge = et === 'element' || et === 'hidden' ? '[]' : strings[edges[e + eni]];
    const key = `${label(to)}  <-${edge}-  ${from}`;
    const g = groups.get(key) ?? { bytes: 0, count: 0 };
    g.bytes += nodes[to + si];
    g.count++;
    groups.set(key, g);
    total += nodes[to + si];
  }
}
console.log(`${contestant}, ${N} ${layout} series: ${(total / N).toFixed(0)} B/series in new objects (bytes/series, objects/series, what <-edge- retainer)`);
for (const [key, g] of [...groups].filter(([, g]) => g.bytes > N * 4).sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 20)) {
  console.log(`${(g.bytes / N).toFixed(1).padStart(7)} ${(g.count / N).toFixed(2).padStart(6)}  ${key}`);
}
