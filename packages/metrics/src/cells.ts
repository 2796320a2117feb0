import type { Attributes, Context, SpanContext } from '@opentelemetry/api';
import type { ExemplarSampler } from './exemplar-filter.js';
import type { WarnOnce } from './diag.js';
import { newBucketExemplars, newExemplarSlot, offerBucketExemplar, offerExemplar, type BucketExemplars, type ExemplarSlot } from './exemplar-reservoir.js';

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
  /** Explicit bucket upper bounds (histograms; empty otherwise). */
  readonly boundaries: readonly number[];
}

/** What a cell aggregates: the discriminant of {@link AnyCell}. */
export type CellKind = 'sum' | 'gauge' | 'histogram';

/**
 * The children of a trie node through one attribute name, by value, beyond its inline slots: a
 * flat `[value, node, …]` array while there are few (a 2-entry Map costs ~95 B more), a Map beyond.
 */
export type TrieChildren = Map<unknown, TrieNode> | unknown[];

/** An edge map of the attribute-set trie (see InstrumentStorage): key → value → node. */
export type TrieEdges = Map<string, TrieChildren>;

/**
 * A node of the attribute-set trie: a plain interior node, or a cell (a node that is a series).
 * The first attribute name below a node is held inline (`trieKey`), with up to two values and
 * their children in the node itself (`trieV0` → `trieC0`, `trieV1` → `trieC1`); from the third
 * value on, all of them are in `trieMore` instead (and the inline slots are empty). Other names
 * are in `trieNext`. Most interior nodes have one name and one
 * or two values ({route, status}: one node per route, two statuses): inline, such a node is one
 * 80 B object where a node and its `[value, child, …]` array were 128 B (bench/heap).
 */
export interface TrieNode {
  trieKey: string | undefined;
  trieV0: unknown;
  trieC0: TrieNode | undefined;
  trieV1: unknown;
  /** undefined: the second inline slot is free. */
  trieC1: TrieNode | undefined;
  trieMore: TrieChildren | undefined;
  trieNext: TrieEdges | undefined;
}

/**
 * A cell holds the aggregate of one series (one instrument × one attribute set). Bound handles
 * are cells, so a record is a property update; everything that does not change between records
 * is computed once, when the cell is made.
 *
 * Cells are told apart by `kind` ({@link AnyCell} is a discriminated union TypeScript narrows).
 * `kind` is a getter on each class's prototype, not a field: a field would cost 8 B per series.
 * Exporters keep no state on a cell: per-series caches are theirs, indexed by the cell's
 * position in its instrument's `cells` (see InstrumentStorage.cells).
 */
export abstract class Cell implements TrieNode {
  /** Frozen, validated attribute set. */
  readonly attributes: Attributes;
  /**
   * Collection epoch in which an observable cell was last observed. This and the trie edges below
   * are not fields of every cell: their default (0, undefined) lives on Cell.prototype and a cell
   * gets its own property on the first write — only observable cells, and series with series
   * extending them, ever write. Eight fields fewer per cell: 64 B per series (bench/heap/child.mjs);
   * a cell that gains one changes hidden class once.
   */
  declare observedEpoch: number;
  /** Trie edges to the series whose attribute sets extend this one (see {@link observedEpoch}). */
  declare trieKey: string | undefined;
  declare trieV0: unknown;
  declare trieC0: TrieNode | undefined;
  declare trieV1: unknown;
  declare trieC1: TrieNode | undefined;
  declare trieMore: TrieChildren | undefined;
  declare trieNext: TrieEdges | undefined;
  /** @internal */
  protected readonly shared: CellShared;

  constructor(attributes: Attributes, shared: CellShared) {
    this.attributes = attributes;
    this.shared = shared;
  }

  abstract get kind(): CellKind;

  /** Unix epoch ms when the series started. */
  get startTimeMs(): number {
    return this.shared.startTimeMs;
  }
}

// Writable data properties on the prototype: reads of a cell that never wrote find these, a
// write makes an own property (see Cell.observedEpoch).
Object.assign(Cell.prototype, {
  observedEpoch: 0,
  trieKey: undefined,
  trieV0: undefined,
  trieC0: undefined,
  trieV1: undefined,
  trieC1: undefined,
  trieMore: undefined,
  trieNext: undefined,
});

/** A cell class, with the kind of the cells it makes (how InstrumentStorage is typed by kind). */
export interface CellClass<C extends AnyCell> {
  new (attributes: Attributes, shared: CellShared): C;
  readonly kind: C['kind'];
}

function badValue(shared: CellShared, value: unknown, what: string): void {
  shared.warn.warn(
    `bad-value:${shared.instrumentName}:${what}`,
    `instrument "${shared.instrumentName}": dropped ${what} value ${typeof value === 'number' ? String(value) : typeof value}`,
  );
}

/** Monotonic sum (Counter, ObservableCounter) and non-monotonic sum (UpDownCounter). */
export class SumCell extends Cell {
  static readonly kind = 'sum';
  value = 0;
  /** Counter exemplar reservoir (exemplar-reservoir.ts), allocated on the first sampled measurement. */
  exemplar: ExemplarSlot | undefined = undefined;

  get kind(): 'sum' {
    return 'sum';
  }

  /**
   * Adds `value`; never throws. Call it as a method (`cell.add(1)`). `ctx`: the context passed
   * with the measurement, whose span the exemplar takes instead of the active one's.
   */
  add(value: number, ctx?: Context): void {
    const shared = this.shared;
    // NaN fails `value === value`; ±Infinity fail the range checks.
    if (typeof value !== 'number' || value !== value || value === Infinity || value === -Infinity || (shared.monotonic && value < 0)) {
      this.#reject(value);
      return;
    }
    const v = shared.integer ? Math.trunc(value) : value;
    this.value += v;
    // The exemplar filter stays inline here; the reservoir is exemplar-reservoir.ts (which says
    // what is inlined and why, with the numbers).
    // Once the series has a slot, the context is read only for the measurement the draw picks.
    const sampler = shared.sampler;
    if (sampler === undefined) return;
    const slot = this.exemplar;
    if (slot === undefined) {
      const sc = sampler(ctx);
      if (sc !== undefined) this.exemplar = newExemplarSlot(v, sc);
    } else if (++slot.seen >= slot.next) offerExemplar(slot, v, sampler(ctx));
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
  static readonly kind = 'gauge';
  value = 0;

  get kind(): 'gauge' {
    return 'gauge';
  }

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

/**
 * Explicit-bucket histogram. Buckets are upper-inclusive, `(b[i-1], b[i]]`, like Prometheus `le`.
 * Exemplars: one reservoir slot per bucket (exemplar-reservoir.ts).
 */
export class HistogramCell extends Cell {
  static readonly kind = 'histogram';
  /** Per-bucket (not cumulative) counts; the last one is the +Inf bucket. A plain double array: lighter than a typed array per series. */
  readonly counts: number[];
  sum = 0;
  count = 0;
  min = Infinity;
  max = -Infinity;
  /** Per-bucket exemplar reservoir (exemplar-reservoir.ts), allocated on the first sampled measurement. */
  exemplars: BucketExemplars | undefined = undefined;

  constructor(attributes: Attributes, shared: CellShared) {
    super(attributes, shared);
    this.counts = new Array<number>(shared.boundaries.length + 1).fill(0);
  }

  /** Explicit bucket upper bounds, the instrument's (a getter: a field cost 8 B per series). */
  get boundaries(): readonly number[] {
    return this.shared.boundaries;
  }

  get kind(): 'histogram' {
    return 'histogram';
  }

  /** Records `value`; never throws. Call it as a method (`cell.record(0.2)`). `ctx`: as {@link SumCell.add}. */
  record(value: number, ctx?: Context): void {
    if (typeof value !== 'number' || !(value >= 0) || value === Infinity) {
      this.#reject(value);
      return;
    }
    const b = this.shared.boundaries;
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
    const count = ++this.counts[i]!;
    this.sum += value;
    this.count++;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    // Exemplar filter inline, reservoir in exemplar-reservoir.ts (see there).
    // Once the series has slots, the context is read only for the measurement the draw picks.
    const sampler = this.shared.sampler;
    if (sampler === undefined) return;
    const slots = this.exemplars;
    if (slots === undefined) this.#firstExemplar(i, count, value, sampler(ctx));
    else if (count >= slots.nextAt[i]!) offerBucketExemplar(slots, i, count, value, sampler(ctx));
  }

  /** Allocates the slots on the series' first measurement in a sampled span (measurement 1 of its bucket's cycle). */
  #firstExemplar(i: number, count: number, value: number, sc: SpanContext | undefined): void {
    if (sc === undefined) return;
    const slots = (this.exemplars = newBucketExemplars(this.counts));
    slots.base[i] = count - 1;
    offerBucketExemplar(slots, i, count, value, sc);
  }

  #reject(value: unknown): void {
    badValue(
      this.shared,
      value,
      typeof value !== 'number' ? 'non-number' : value !== value ? 'NaN' : value === Infinity ? 'infinite' : 'negative histogram',
    );
  }
}

/** Every cell, narrowed by `kind`. */
export type AnyCell = SumCell | GaugeCell | HistogramCell;
