import type { Attributes, SpanContext } from '@opentelemetry/api';
import type { ExemplarSampler } from './exemplar.js';
import type { WarnOnce } from './diag.js';

/**
 * Everything the cells of one instrument share, held once per instrument rather than once per
 * series: memory per series is part of the product (measured against prom-client in bench/).
 */
export interface CellShared {
  readonly warn: WarnOnce;
  readonly instrumentName: string;
  readonly integer: boolean;
  readonly monotonic: boolean;
  readonly sampler: ExemplarSampler | undefined;
  /** Start of every series of the instrument (cumulative start_time / `_created`). */
  readonly startTimeMs: number;
}

/**
 * The children of a trie node through one attribute name, by value: a flat `[value, node, …]`
 * array while there are few (a 2-entry Map costs ~95 B more), a Map beyond.
 */
export type TrieChildren = Map<unknown, TrieNode> | unknown[];

/** An edge map of the attribute-set trie (see InstrumentStorage): key → value → node. */
export type TrieEdges = Map<string, TrieChildren>;

/**
 * A node of the attribute-set trie: a plain interior node, or a cell (a node that is a series).
 * The first attribute name below a node is held inline (`trieKey` → `trieValues`), other names in
 * `trieNext`: most nodes have one, and a Map per name cost ~100 B per series (bench/NOTES.md).
 */
export interface TrieNode {
  trieKey: string | undefined;
  trieValues: TrieChildren | undefined;
  trieNext: TrieEdges | undefined;
}

/**
 * A cell holds the aggregate of one series (one instrument × one attribute set). Bound handles
 * are cells, so a record is a property update; everything that does not change between records
 * is computed once, when the cell is made.
 */
export abstract class Cell implements TrieNode {
  /** Frozen, validated attribute set. */
  readonly attributes: Attributes;
  /**
   * Cache slot for exporters (the Prometheus serializer keeps its escaped label string here):
   * computed on the first scrape of the series, never on the record path.
   */
  exportCache: string | undefined = undefined;
  /** Collection epoch in which an observable cell was last observed. */
  observedEpoch = 0;
  /** Trie edges to the series whose attribute sets extend this one. */
  trieKey: string | undefined = undefined;
  trieValues: TrieChildren | undefined = undefined;
  trieNext: TrieEdges | undefined = undefined;
  /** @internal */
  protected readonly shared: CellShared;

  constructor(attributes: Attributes, shared: CellShared) {
    this.attributes = attributes;
    this.shared = shared;
  }

  /** Unix epoch ms when the series started. */
  get startTimeMs(): number {
    return this.shared.startTimeMs;
  }
}

function badValue(shared: CellShared, value: unknown, what: string): void {
  shared.warn.warn(
    `bad-value:${shared.instrumentName}:${what}`,
    `instrument "${shared.instrumentName}": dropped ${what} value ${typeof value === 'number' ? String(value) : typeof value}`,
  );
}

/** The counter exemplar slot, allocated on the first sampled measurement. */
interface SumExemplarSlot {
  value: number;
  timeMs: number;
  context: SpanContext;
  /** Sampled offers since the last collection (reservoir sampling). */
  offered: number;
}

/** Monotonic sum (Counter, ObservableCounter) and non-monotonic sum (UpDownCounter). */
export class SumCell extends Cell {
  value = 0;
  /** Counter exemplar: a reservoir of one, uniformly sampled over the offers since the last collection. */
  ex: SumExemplarSlot | undefined = undefined;

  get exValue(): number {
    return this.ex?.value ?? 0;
  }
  get exTimeMs(): number {
    return this.ex?.timeMs ?? 0;
  }
  get exContext(): SpanContext | undefined {
    return this.ex?.context;
  }

  /** Adds `value`; never throws. Call it as a method (`cell.add(1)`). */
  add(value: number): void {
    const shared = this.shared;
    // NaN fails `value === value`; ±Infinity fail the range checks.
    if (typeof value !== 'number' || value !== value || value === Infinity || value === -Infinity || (shared.monotonic && value < 0)) {
      this.#reject(value);
      return;
    }
    const v = shared.integer ? Math.trunc(value) : value;
    this.value += v;
    if (shared.sampler === undefined) return;
    const sc = shared.sampler();
    if (sc === undefined) return;
    const ex = this.ex;
    if (ex === undefined) {
      this.ex = { value: v, timeMs: Date.now(), context: sc, offered: 1 };
      return;
    }
    const n = ++ex.offered;
    if (n === 1 || Math.random() * n < 1) {
      ex.value = v;
      ex.timeMs = Date.now();
      ex.context = sc;
    }
  }

  #reject(value: unknown): void {
    badValue(
      this.shared,
      value,
      typeof value !== 'number' ? 'non-number' : value !== value ? 'NaN' : value === Infinity || value === -Infinity ? 'infinite' : 'negative counter',
    );
  }

  /** Sets the cumulative value directly (observable instruments). */
  set(value: number): void {
    this.value = value;
  }
}

/** Last value (Gauge, ObservableGauge). */
export class GaugeCell extends Cell {
  value = 0;

  record(value: number): void {
    if (typeof value !== 'number' || value !== value || value === Infinity || value === -Infinity) {
      badValue(this.shared, value, typeof value !== 'number' ? 'non-number' : value !== value ? 'NaN' : 'infinite');
      return;
    }
    this.value = this.shared.integer ? Math.trunc(value) : value;
  }

  set(value: number): void {
    this.value = value;
  }
}

/** Histogram exemplar slots, one per bucket, allocated on the first sampled measurement. */
interface HistogramExemplarSlots {
  readonly values: number[];
  readonly timesMs: number[];
  readonly contexts: (SpanContext | undefined)[];
  /** Sampled offers per bucket since the last collection (reservoir sampling). */
  readonly offered: number[];
}

/**
 * Explicit-bucket histogram. Buckets are upper-inclusive, `(b[i-1], b[i]]`, like Prometheus `le`.
 * Exemplars: one slot per bucket, as AlignedHistogramBucketExemplarReservoir, but each slot keeps a
 * measurement drawn uniformly from the sampled ones of its bucket since the last collection
 * (the SimpleFixedSizeExemplarReservoir algorithm, size 1 per bucket) rather than the last one.
 * Both are allowed by the SDK spec; this one is a fair sample of the interval and reads the clock
 * only when a slot is replaced: "last seen" paid a Date.now() on every record inside a sampled
 * span (+44 ns, 1.75x the record outside a span, measured on Node 20).
 */
export class HistogramCell extends Cell {
  readonly boundaries: readonly number[];
  /** Per-bucket (not cumulative) counts; the last one is the +Inf bucket. A plain double array: lighter than a typed array per series. */
  readonly counts: number[];
  sum = 0;
  count = 0;
  min = Infinity;
  max = -Infinity;
  ex: HistogramExemplarSlots | undefined = undefined;

  constructor(attributes: Attributes, shared: CellShared, boundaries: readonly number[]) {
    super(attributes, shared);
    this.boundaries = boundaries;
    this.counts = new Array<number>(boundaries.length + 1).fill(0);
  }

  get exValues(): number[] | undefined {
    return this.ex?.values;
  }
  get exTimesMs(): number[] | undefined {
    return this.ex?.timesMs;
  }
  get exContexts(): (SpanContext | undefined)[] | undefined {
    return this.ex?.contexts;
  }

  /** Records `value`; never throws. Call it as a method (`cell.record(0.2)`). */
  record(value: number): void {
    if (typeof value !== 'number' || !(value >= 0) || value === Infinity) {
      this.#reject(value);
      return;
    }
    const b = this.boundaries;
    const n = b.length;
    let i = 0;
    if (n <= 16) {
      while (i < n && value > b[i]!) i++;
    } else {
      let hi = n;
      while (i < hi) {
        const mid = (i + hi) >>> 1;
        if (value > b[mid]!) i = mid + 1;
        else hi = mid;
      }
    }
    this.counts[i]!++;
    this.sum += value;
    this.count++;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    const sampler = this.shared.sampler;
    if (sampler === undefined) return;
    const sc = sampler();
    if (sc === undefined) return;
    let ex = this.ex;
    if (ex === undefined) {
      ex = this.ex = {
        values: new Array<number>(n + 1).fill(0),
        timesMs: new Array<number>(n + 1).fill(0),
        contexts: new Array<SpanContext | undefined>(n + 1).fill(undefined),
        offered: new Array<number>(n + 1).fill(0),
      };
    }
    const offered = ++ex.offered[i]!;
    if (offered === 1 || Math.random() * offered < 1) {
      ex.values[i] = value;
      ex.timesMs[i] = Date.now();
      ex.contexts[i] = sc;
    }
  }

  #reject(value: unknown): void {
    badValue(
      this.shared,
      value,
      typeof value !== 'number' ? 'non-number' : value !== value ? 'NaN' : value === Infinity ? 'infinite' : 'negative histogram',
    );
  }
}

export type AnyCell = SumCell | GaugeCell | HistogramCell;
