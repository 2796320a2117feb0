import type { Attributes } from '@opentelemetry/api';
import type { AnyInstrumentStorage, InstrumentKind, MetricsView } from '@otelkit/metrics';

/*
 * The messages between the primary and its workers (node:cluster IPC or a worker_threads port).
 * Plain JSON-safe objects: cluster IPC serializes with JSON unless the application chose
 * `serialization: 'advanced'`, and both must work.
 *
 * A collection is incremental in what never changes: a worker's instruments and series are only
 * ever appended (InstrumentStorage.cells keeps indices for the life of the store), so the primary
 * says how many of each it already knows (`base`) and the worker sends the descriptors and
 * attribute sets of the new ones only; values go as flat arrays indexed like the worker's cells.
 * prom-client's AggregatorRegistry sends every label set of every sample on every scrape.
 */

/** Every message carries this tag: the application's own IPC messages pass untouched. */
export const CLUSTER_TAG = 'otelkit.cluster.v1';

/** What the primary already holds of a worker: instruments, and series per instrument. */
export interface WireBase {
  readonly instruments: number;
  readonly series: readonly number[];
}

export interface WireDescriptor {
  readonly name: string;
  readonly description: string;
  readonly unit: string;
  readonly kind: InstrumentKind;
  readonly integer: boolean;
  readonly boundaries: readonly number[];
  readonly scope: { readonly name: string; readonly version?: string; readonly schemaUrl?: string };
}

/**
 * Values of one instrument's series, by series index. Sums and gauges: `v`, null for an
 * observable series not observed in this collection. Histograms: `c` bucket counts (series ×
 * buckets, flat), `s` sums, `lo`/`hi` min and max (null while empty).
 * Exemplars, flat: sums `[series, value, timeMs, traceId, spanId, …]`; histograms
 * `[series, bucket, value, timeMs, traceId, spanId, …]`.
 */
export interface WireData {
  readonly v?: (number | null)[];
  readonly c?: number[];
  readonly s?: number[];
  readonly lo?: (number | null)[];
  readonly hi?: (number | null)[];
  readonly ex?: (number | string)[];
}

export interface WireCollection {
  /** The base this collection is relative to (the request's). */
  readonly base: WireBase;
  /** Descriptors of instruments `base.instruments` onwards. */
  readonly instruments: WireDescriptor[];
  /** Per instrument: attribute sets of its series from `from[i]` onwards. */
  readonly from: number[];
  readonly attrs: Attributes[][];
  readonly data: WireData[];
}

export type ClusterMessage =
  | { readonly tag: typeof CLUSTER_TAG; readonly type: 'probe' }
  | { readonly tag: typeof CLUSTER_TAG; readonly type: 'hello'; readonly pid: number; readonly instanceId: string }
  | { readonly tag: typeof CLUSTER_TAG; readonly type: 'collect'; readonly id: number; readonly base: WireBase }
  | { readonly tag: typeof CLUSTER_TAG; readonly type: 'collection'; readonly id: number; readonly collection: WireCollection; readonly errors: number }
  /** A worker's last values, sent unasked when its telemetry shuts down (graceful exit). */
  | { readonly tag: typeof CLUSTER_TAG; readonly type: 'final'; readonly collection: WireCollection };

export function isClusterMessage(m: unknown): m is ClusterMessage {
  return m !== null && typeof m === 'object' && (m as { tag?: unknown }).tag === CLUSTER_TAG;
}

/** JSON has no infinities: a non-finite value (an empty histogram's min) travels as null. */
const finite = (v: number): number | null => (v - v === 0 ? v : null);

function describe(s: AnyInstrumentStorage): WireDescriptor {
  const d = s.descriptor;
  const scope: { name: string; version?: string; schemaUrl?: string } = { name: s.scope.name };
  if (s.scope.version !== undefined) scope.version = s.scope.version;
  if (s.scope.schemaUrl !== undefined) scope.schemaUrl = s.scope.schemaUrl;
  return { name: d.name, description: d.description, unit: d.unit, kind: d.kind, integer: d.integer, boundaries: [...d.boundaries], scope };
}

function dataOf(s: AnyInstrumentStorage): WireData {
  if (s.kind === 'histogram') {
    const cells = s.cells;
    const nb = s.descriptor.boundaries.length + 1;
    const c = new Array<number>(cells.length * nb);
    const sums = new Array<number>(cells.length);
    const lo = new Array<number | null>(cells.length);
    const hi = new Array<number | null>(cells.length);
    let ex: (number | string)[] | undefined;
    for (let i = 0; i < cells.length; i++) {
      const cell = cells[i]!;
      const counts = cell.counts;
      for (let b = 0; b < nb; b++) c[i * nb + b] = counts[b]!;
      sums[i] = cell.sum;
      lo[i] = finite(cell.min);
      hi[i] = finite(cell.max);
      const e = cell.exemplars;
      if (e !== undefined) {
        for (let b = 0; b < nb; b++) {
          const sc = e.contexts[b];
          if (sc !== undefined) (ex ??= []).push(i, b, e.values[b]!, e.timesMs[b]!, sc.traceId, sc.spanId);
        }
      }
    }
    return ex === undefined ? { c, s: sums, lo, hi } : { c, s: sums, lo, hi, ex };
  }
  const cells = s.cells;
  const v = new Array<number | null>(cells.length);
  let ex: (number | string)[] | undefined;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i]!;
    v[i] = s.collected(cell) ? finite(cell.value) : null;
    if (cell.kind === 'sum' && cell.exemplar !== undefined) {
      const e = cell.exemplar;
      (ex ??= []).push(i, e.value, e.timeMs, e.context.traceId, e.context.spanId);
    }
  }
  return ex === undefined ? { v } : { v, ex };
}

/**
 * A store's collection in wire form, relative to what the primary knows (`base`). Pure: call it
 * inside `store.collect()`, which runs the callbacks before and ends the exemplar cycle after.
 */
export function encodeCollection(view: MetricsView, base: WireBase): WireCollection {
  const instruments: WireDescriptor[] = [];
  const from: number[] = [];
  const attrs: Attributes[][] = [];
  const data: WireData[] = [];
  const list = view.instruments;
  for (let i = 0; i < list.length; i++) {
    const s = list[i]!;
    if (i >= base.instruments) instruments.push(describe(s));
    const known = i < base.instruments ? Math.min(base.series[i] ?? 0, s.cells.length) : 0;
    from.push(known);
    const a: Attributes[] = [];
    for (let j = known; j < s.cells.length; j++) a.push(s.cells[j]!.attributes);
    attrs.push(a);
    data.push(dataOf(s));
  }
  return { base, instruments, from, attrs, data };
}
