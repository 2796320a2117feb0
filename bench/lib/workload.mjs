/*
 * The realistic record workload (bench/scenarios/record-realistic.mjs): what a service's request
 * does to its instruments, the way an independent measurement of issue 14 shaped it.
 *
 * - 8 instruments (4 counters, 4 histograms) recorded through two shared call sites (`count`,
 *   `observe`), so that the engine sees one polymorphic call site per kind, not one monomorphic
 *   site per instrument;
 * - attribute values drawn per call (routes, methods, status codes, tables, caches…), a new
 *   attributes object every call, ~1000 series in all;
 * - one "request" = one operation = 10 records; contestants with tracing start a new span per
 *   request and record inside it (exemplars where the library takes them from the context);
 * - every value recorded is also added to a plain expected total, and each contestant's totals
 *   are read back from the library at the end and must equal them.
 */
export const ROUTES = Array.from({ length: 20 }, (_, i) => `/api/v1/${['items', 'users', 'orders', 'carts'][i & 3]}/${i >> 2 ? ':id' : ''}${i >> 3 ? '/lines' : ''}`);
const METHODS = ['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE', 'GET', 'GET'];
const STATUS = ['200', '200', '200', '200', '201', '404', '500', '200'];
const OPS = ['select', 'insert', 'update', 'select'];
const TABLES = ['items', 'users', 'orders', 'carts', 'lines', 'audit'];
const CACHES = ['session', 'catalog', 'price'];
const QUEUES = ['email', 'billing', 'search'];

export const INSTRUMENTS = [
  { name: 'http.server.requests', kind: 'counter', labels: ['method', 'route', 'status'] },
  { name: 'db.client.queries', kind: 'counter', labels: ['op', 'table'] },
  { name: 'cache.lookups', kind: 'counter', labels: ['cache', 'result'] },
  { name: 'http.server.response.bytes', kind: 'counter', labels: ['route'] },
  { name: 'http.server.duration', kind: 'histogram', labels: ['method', 'route', 'status'] },
  { name: 'db.client.duration', kind: 'histogram', labels: ['op', 'table'] },
  { name: 'http.server.request.size', kind: 'histogram', labels: ['route'] },
  { name: 'queue.wait', kind: 'histogram', labels: ['queue'] },
];

/** A cheap deterministic hash of (i, k): attribute values and amounts differ per call. */
function mix(i, k) {
  let x = Math.imul(i ^ (k * 0x9e3779b1), 0x85ebca6b);
  x ^= x >>> 13;
  return (Math.imul(x, 0xc2b2ae35) ^ (x >>> 16)) >>> 0;
}

/**
 * Runs request `i` against a library's instruments: `count(inst, value, attrs)` and
 * `observe(inst, value, attrs)` are the library's two call sites; `expected` (Float64Array of
 * 2 × 8: sum or count, then histogram sums) is updated alongside.
 */
export function request(i, insts, count, observe, expected) {
  const m = mix(i, 1);
  const route = ROUTES[m % 20];
  const method = METHODS[(m >>> 5) & 7];
  const status = STATUS[(m >>> 8) & 7];
  const http = { method, route, status };
  count(insts[0], 1, http);
  expected[0] += 1;
  const d = 0.002 + (mix(i, 2) % 5000) / 10000;
  observe(insts[4], d, { method, route, status });
  expected[4] += 1;
  expected[12] += d;
  for (let q = 0; q < 2; q++) {
    const n = mix(i, 3 + q);
    const db = { op: OPS[n & 3], table: TABLES[(n >>> 2) % 6] };
    count(insts[1], 1, db);
    expected[1] += 1;
    const dd = 0.0005 + (n % 2000) / 100000;
    observe(insts[5], dd, { op: db.op, table: db.table });
    expected[5] += 1;
    expected[13] += dd;
  }
  const c = mix(i, 6);
  count(insts[2], 1, { cache: CACHES[c % 3], result: c & 8 ? 'hit' : 'miss' });
  expected[2] += 1;
  if (i & 1) {
    const w = (c % 300) / 1000;
    observe(insts[7], w, { queue: QUEUES[(c >>> 4) % 3] });
    expected[7] += 1;
    expected[15] += w;
  } else {
    count(insts[2], 1, { cache: CACHES[(c >>> 4) % 3], result: 'hit' });
    expected[2] += 1;
  }
  const bytes = 200 + (mix(i, 7) % 4000);
  count(insts[3], bytes, { route });
  expected[3] += bytes;
  observe(insts[6], bytes, { route });
  expected[6] += 1;
  expected[14] += bytes;
}

export const RECORDS_PER_REQUEST = 10;

/** Totals (the layout of `expected`) from an OTLP-shaped collection: sdk-metrics' reader or otelkit's MetricProducer. */
export function totalsFromResourceMetrics(resourceMetrics) {
  const t = new Float64Array(16);
  for (const sm of resourceMetrics.scopeMetrics)
    for (const m of sm.metrics) {
      const k = INSTRUMENTS.findIndex((x) => x.name === m.descriptor.name);
      if (k < 0) continue;
      for (const dp of m.dataPoints) {
        if (k < 4) t[k] += dp.value;
        else {
          t[k] += dp.value.count;
          t[k + 8] += dp.value.sum;
        }
      }
    }
  return t;
}

/** Throws unless the library's totals (same layout as `expected`) match, to a float tolerance. */
export function checkTotals(library, actual, expected) {
  for (let k = 0; k < 16; k++) {
    const kind = k < 8 ? (k < 4 ? 'sum' : 'count') : 'sum of values';
    const inst = INSTRUMENTS[k & 7];
    if (k >= 8 && k < 12) continue;
    const a = actual[k];
    const e = expected[k];
    if (!(Math.abs(a - e) <= 1e-6 * Math.max(1, Math.abs(e)))) throw new Error(`${library}: ${inst.name} ${kind} read back ${a}, recorded ${e}`);
  }
}
