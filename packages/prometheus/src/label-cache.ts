import type { Attributes } from '@opentelemetry/api';
import type { AnyInstrumentStorage } from '@otelkit/metrics';
import { flatString, sharedString } from './flat-string.js';
import { attributeLabels, expositionWarn, labelsMayCollide, type AttributeLabels } from './labels.js';

/**
 * A series whose labels print like an earlier series' of the same instrument (`{status: 200}`
 * and `{status: "200"}`, or a key that sanitizes to nothing next to the same set without it):
 * never exposed, so the exposition never has a duplicate sample.
 */
export interface ShadowedLabels {
  readonly kind: 'shadowed';
}

const SHADOWED: ShadowedLabels = Object.freeze({ kind: 'shadowed' });

/** What the writer keeps per series: its label list, or why it takes another path. */
export type SeriesLabels = AttributeLabels | ShadowedLabels;

/**
 * The exposition writer's per-series cache for one instrument: the escaped label list of each
 * series, computed on the series' first scrape and reused by every later one in both formats
 * (repeated scrapes ~10x faster than prom-client, which rebuilds labels each time: bench/).
 *
 * Kept on the exporter's side, not on the cell: an array parallel to the instrument's `cells`,
 * indexed by a series' position there (which the store never changes, see
 * InstrumentStorage.cells). A plain array costs one 8 B slot per series; a Map or WeakMap keyed
 * by cell would cost ~40-80 B per series, and heap per series is a tracked benchmark.
 */
export class LabelCache {
  /** By series index; undefined until the series' first scrape. Exact-size (see {@link reserve}). */
  labels: (SeriesLabels | undefined)[] = [];
  /**
   * Label strings of the series labelled so far, kept only once the instrument has a series
   * whose labels may collide (see labelsMayCollide): most never do, and the Set cost ~26 B per series.
   */
  #seen: Set<string> | undefined = undefined;

  /** Makes room for `n` series. A new exact-size array: growing by push leaves up to 50% spare slots. */
  reserve(n: number): (SeriesLabels | undefined)[] {
    const old = this.labels;
    if (old.length >= n) return old;
    // `new Array(n)` is a fast (holey) array up to V8's preallocation limit; beyond, push.
    const grown: (SeriesLabels | undefined)[] = n <= 65_536 ? new Array<SeriesLabels | undefined>(n) : old.slice();
    if (n <= 65_536) for (let i = 0; i < old.length; i++) grown[i] = old[i];
    else while (grown.length < n) grown.push(undefined);
    this.labels = grown;
    return grown;
  }

  /** Labels of series `i` on its first scrape: computed, checked against earlier series, stored. */
  first(i: number, attrs: Attributes, histogram: boolean, storage: AnyInstrumentStorage): SeriesLabels {
    const labels = this.#firstLabels(attrs, histogram, storage);
    // The label list is built by concatenation, i.e. as a V8 rope of its pieces (names, `="`,
    // values, commas); flattened, the pieces can be collected: kept as a rope, 20k counter series
    // cost 610 instead of ~410 B each after a scrape (bench/tools/heap-breakdown.mjs otelkit
    // 20000 counters scrape). See flatString for why the read is not a bare `charCodeAt(0)`.
    // Kept as V8's shared copy (flat, one per distinct label list): see sharedString.
    if (typeof labels === 'string') {
      const shared = sharedString(labels);
      this.labels[i] = shared;
      return shared;
    }
    if (labels.kind === 'scope-colliding') flatString(labels.attributeLabels);
    this.labels[i] = labels;
    return labels;
  }

  #firstLabels(attrs: Attributes, histogram: boolean, storage: AnyInstrumentStorage): SeriesLabels {
    const owner = storage.descriptor.name;
    const a = attributeLabels(attrs, histogram, owner);
    let seen = this.#seen;
    if (seen === undefined) {
      if (!labelsMayCollide(attrs)) return a;
      // The first series that may collide: from now on every new series is checked, against the
      // label strings of all series labelled so far.
      seen = this.#seen = new Set();
      for (const l of this.labels) {
        const key = keyOf(l);
        if (key !== undefined) seen.add(key);
      }
    }
    const key = keyOf(a)!;
    if (!seen.has(key)) {
      seen.add(key);
      return a;
    }
    expositionWarn.warn(
      `shadowed-series:${owner}`,
      `instrument "${owner}": series ${JSON.stringify(attrs)} has the same Prometheus labels as an earlier series (attribute values that print alike, or keys with no label name); it is not exposed`,
    );
    return SHADOWED;
  }
}

/**
 * What two series must not share. A scope-colliding label list never equals a plain one (it has
 * an `otel_scope_*` label, a plain one has none), so the attribute label list is the key.
 */
function keyOf(l: SeriesLabels | undefined): string | undefined {
  if (l === undefined) return undefined;
  if (typeof l === 'string') return l;
  return l.kind === 'shadowed' ? undefined : l.attributeLabels;
}

const caches = new WeakMap<AnyInstrumentStorage, LabelCache>();

/** The label cache of an instrument (made on its first scrape; lives as long as the instrument). */
export function labelCacheOf(storage: AnyInstrumentStorage): LabelCache {
  let c = caches.get(storage);
  if (c === undefined) {
    c = new LabelCache();
    caches.set(storage, c);
  }
  return c;
}
