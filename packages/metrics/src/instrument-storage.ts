import type { Attributes } from '@opentelemetry/api';
import { AnyValueKeys } from './any-value.js';
import { canonicalAttributes, droppedAttributesMessage, sized } from './attributes.js';
import { Cell, type AnyCell, type CellClass, type CellShared, type GaugeCell, type HistogramCell, type SumCell, type TrieChildren, type TrieEdges, type TrieNode } from './cells.js';
import type { ExemplarSampler } from './exemplar-filter.js';
import type { WarnOnce } from './diag.js';
import type { InstrumentDescriptor, InstrumentationScope } from './types.js';

/** https://opentelemetry.io/docs/specs/otel/metrics/sdk/#overflow-attribute */
export const OVERFLOW_ATTRIBUTES: Attributes = Object.freeze({ 'otel.metric.overflow': true });

/** Children kept in an array up to this many values; a Map beyond (measured: bench/NOTES.md). */
const SMALL_CHILDREN = 8;

/** SameValueZero, as Map keys compare: NaN equals NaN. */
function same(x: unknown, v: unknown): boolean {
  return x === v || (x !== x && v !== v);
}

/** The child for value `v` in a children container. */
function childOf(children: TrieChildren | undefined, v: unknown): TrieNode | undefined {
  if (children === undefined) return undefined;
  if (!Array.isArray(children)) return children.get(v);
  for (let i = 0; i < children.length; i += 2) {
    if (same(children[i], v)) return children[i + 1] as TrieNode;
  }
  return undefined;
}

/** The child of `node` through `k` = `v`, if any. */
function findChild(node: TrieNode, k: string, v: unknown): TrieNode | undefined {
  if (node.trieKey === k) {
    if (node.trieMore !== undefined) return childOf(node.trieMore, v);
    if (same(node.trieV0, v)) return node.trieC0;
    if (node.trieC1 !== undefined && same(node.trieV1, v)) return node.trieC1;
    return undefined;
  }
  return childOf(node.trieNext?.get(k), v);
}

/** Some child of `node` (the first one through its first key), if any. */
function firstChild(node: TrieNode): TrieNode | undefined {
  const more = node.trieMore;
  if (more === undefined) return node.trieC0;
  if (Array.isArray(more)) return more[1] as TrieNode;
  for (const c of more.values()) return c;
  return undefined;
}

/** `children` with `v` → `child` added or replaced; a new container when it grows (array into Map past SMALL_CHILDREN). */
function withChild(children: TrieChildren | undefined, v: unknown, child: TrieNode): TrieChildren {
  if (children === undefined) return [v, child];
  if (!Array.isArray(children)) return children.set(v, child);
  for (let i = 0; i < children.length; i += 2) {
    if (same(children[i], v)) {
      children[i + 1] = child;
      return children;
    }
  }
  if (children.length < SMALL_CHILDREN * 2) {
    // A new exact-size array: push() and spread both leave ~19 slots of backing store.
    const grown = new Array<unknown>(children.length + 2);
    for (let i = 0; i < children.length; i++) grown[i] = children[i];
    grown[children.length] = v;
    grown[children.length + 1] = child;
    return grown;
  }
  const m = new Map<unknown, TrieNode>();
  for (let i = 0; i < children.length; i += 2) m.set(children[i], children[i + 1] as TrieNode);
  return m.set(v, child);
}

/** Adds (or replaces) the child of `node` through `k` = `v`: in the node's two inline slots while they last. */
function setChild(node: TrieNode, k: string, v: unknown, child: TrieNode): void {
  if (node.trieKey === undefined) {
    node.trieKey = k;
    node.trieV0 = v;
    node.trieC0 = child;
  } else if (node.trieKey === k) {
    if (node.trieMore !== undefined) node.trieMore = withChild(node.trieMore, v, child);
    else if (same(node.trieV0, v)) node.trieC0 = child;
    else if (node.trieC1 === undefined || same(node.trieV1, v)) {
      node.trieV1 = v;
      node.trieC1 = child;
    } else {
      // A third value: all of them move to one container, so that a wide node (a route per
      // series) is one array or Map lookup, as before the inline slots, and not three checks first.
      node.trieMore = [node.trieV0, node.trieC0, node.trieV1, node.trieC1, v, child];
      node.trieV0 = node.trieC0 = node.trieV1 = node.trieC1 = undefined;
    }
  } else {
    node.trieNext ??= new Map() as TrieEdges;
    node.trieNext.set(k, withChild(node.trieNext.get(k), v, child));
  }
}

const newNode = (): TrieNode => ({
  trieKey: undefined,
  trieV0: undefined,
  trieC0: undefined,
  trieV1: undefined,
  trieC1: undefined,
  trieMore: undefined,
  trieNext: undefined,
});

/**
 * All series of one instrument.
 *
 * Series are found through a trie of attribute sets: from a node, the children through `key`, then `.get(value)`, is
 * the node of that set plus one attribute; a node that is a series is the cell itself. Every path
 * that spells the same set — in sorted key order (made when the series is created) or in a
 * caller's order (remembered on its first use) — ends at the same node, so the unbound record path
 * is a few Map lookups on strings whose hashes V8 caches, with no key string built per call
 * (which cost ~270 ns per counter add with 2 attributes, measured on Node 20), and a series costs
 * no key string at all (bench/ compares memory per series with prom-client).
 *
 * Typed by the cells it holds; {@link AnyInstrumentStorage} narrows on `kind`.
 */
export class InstrumentStorage<C extends AnyCell = AnyCell> {
  readonly descriptor: InstrumentDescriptor;
  readonly scope: InstrumentationScope;
  /** What the cells aggregate: narrows {@link AnyInstrumentStorage}. */
  readonly kind: C['kind'];
  /**
   * Series in creation order (the overflow series, when used, is among them). Only ever appended
   * to: a series keeps its index for the life of the store, so an exporter may keep per-series
   * state in an array parallel to this one (the Prometheus label cache does). A change that ever
   * removes series must keep that promise (never reuse an index) or tell those caches.
   */
  readonly cells: C[] = [];
  readonly #cellClass: CellClass<C>;
  readonly #shared: CellShared;
  readonly #limit: number;
  readonly #warn: WarnOnce;
  /** The empty attribute set: a plain node, or its series once that exists. */
  #root: TrieNode = newNode();
  #overflow: C | undefined;
  /** Trie keys of non-primitive values (maps, arrays, byte arrays): one token per distinct content. */
  readonly #anyKeys = new AnyValueKeys();
  /** Interior nodes made for callers' key orders; bounded so a flood of distinct sets cannot grow memory. */
  #aliasNodes = 0;
  /** Observable instruments: the collection epoch of the last observation round. */
  epoch = 0;

  constructor(
    descriptor: InstrumentDescriptor,
    scope: InstrumentationScope,
    cellClass: CellClass<C>,
    sampler: ExemplarSampler | undefined,
    cardinalityLimit: number,
    warn: WarnOnce,
  ) {
    this.descriptor = descriptor;
    this.scope = scope;
    this.kind = cellClass.kind;
    this.#cellClass = cellClass;
    this.#limit = cardinalityLimit;
    this.#warn = warn;
    this.#shared = {
      warn,
      instrumentName: descriptor.name,
      integer: descriptor.integer,
      monotonic: descriptor.kind === 'counter' || descriptor.kind === 'observablecounter',
      sampler: descriptor.kind === 'histogram' || descriptor.kind === 'counter' ? sampler : undefined,
      startTimeMs: Date.now(),
      boundaries: descriptor.boundaries,
    };
  }

  get isObservable(): boolean {
    return this.descriptor.kind.startsWith('observable');
  }

  /** The cell for `attrs`, created if new. Never throws. */
  cell(attrs: Attributes | undefined): C {
    let node: TrieNode = this.#root;
    if (attrs !== undefined && attrs !== null) {
      for (const k in attrs) {
        let v: unknown = attrs[k];
        const t = typeof v;
        if (t !== 'string' && t !== 'number' && t !== 'boolean') {
          // undefined is "no attribute"; other values are found by content (any-value.ts).
          if (v === undefined) continue;
          v = this.#anyKeys.find(v);
        }
        // findChild, with its common case inline: the first key below the node, one of its two
        // inline values (an unknown AnyValue's find() is undefined and matches an empty slot's
        // undefined child: still "not found").
        let child: TrieNode | undefined;
        if (node.trieKey === k) {
          const more = node.trieMore;
          if (more !== undefined) child = childOf(more, v);
          else if (node.trieV0 === v) child = node.trieC0;
          else if (node.trieV1 === v) child = node.trieC1;
          else child = findChild(node, k, v);
        } else child = childOf(node.trieNext?.get(k), v);
        if (child === undefined) return this.#resolve(attrs, true);
        node = child;
      }
    }
    return this.#isSeries(node) ? node : this.#resolve(attrs, true);
  }

  /**
   * Whether a trie node is a series. Every cell in this trie is a C (one cell class per
   * instrument), so `instanceof Cell` says it: a constant right-hand side, which V8 compiles to a
   * map check. `instanceof this.#cellClass` (one value per instrument kind at one call site) made
   * the unbound histogram record ~25% slower once counters used the same lookup (measured).
   */
  #isSeries(node: TrieNode): node is C {
    return node instanceof Cell;
  }

  /** Rare path: find or make the series through the canonical (sorted, validated) set. */
  #resolve(attrs: Attributes | undefined, rememberOrder: boolean): C {
    const canon = canonicalAttributes(attrs);
    if (canon.dropped.length > 0) {
      this.#warn.warn(`bad-attribute:${this.descriptor.name}`, droppedAttributesMessage(this.descriptor.name, canon));
    }
    const full = this.cells.length >= this.#limit - 1;
    const cell = this.#walk(canon.attributes, full ? undefined : canon.attributes);
    if (cell === undefined) return this.#overflowCell(attrs, rememberOrder);
    if (rememberOrder && attrs && canon.dropped.length === 0) this.#alias(attrs, cell);
    return cell;
  }

  /**
   * Walks the canonical path of `attrs`; when `create` is given, makes the missing nodes and the
   * series at the end. Returns the series, or undefined when it does not exist and is not made.
   */
  #walk(attrs: Attributes, create: Attributes | undefined): C | undefined {
    let node: TrieNode = this.#root;
    let parent: TrieNode | undefined;
    let lastKey = '';
    let lastValue: unknown;
    /** Whether a string value of `create` has an equal one already on a trie edge. */
    let shareable = false;
    for (const k in attrs) {
      // Looking up without creating makes no token: a flood of unknown values cannot grow them.
      const vk = create === undefined ? this.#anyKeys.find(attrs[k]) : this.#anyKeys.intern(attrs[k]);
      let child = findChild(node, k, vk);
      if (child === undefined) {
        if (create === undefined) return undefined;
        child = newNode();
        setChild(node, k, vk, child);
      } else if (typeof vk === 'string') shareable = true;
      parent = node;
      lastKey = k;
      lastValue = vk;
      node = child;
    }
    if (this.#isSeries(node)) return node;
    if (create === undefined) return undefined;
    // An exact-size copy of the canonical set, its strings shared with the trie; sized() hands back
    // the (frozen) set itself for the sets it leaves alone, which then stay as they are.
    const kept = sized(create);
    if (shareable && kept !== create) this.#shareStrings(kept);
    const cell = new this.#cellClass(Object.freeze(kept), this.#shared);
    // The node becomes the series: same edges, same place in the trie. Only edges that exist are
    // copied: a cell without them keeps no own trie properties (see Cell.observedEpoch).
    if (node.trieKey !== undefined) {
      cell.trieKey = node.trieKey;
      if (node.trieMore !== undefined) cell.trieMore = node.trieMore;
      else {
        cell.trieV0 = node.trieV0;
        cell.trieC0 = node.trieC0;
        if (node.trieC1 !== undefined) {
          cell.trieV1 = node.trieV1;
          cell.trieC1 = node.trieC1;
        }
      }
    }
    if (node.trieNext !== undefined) cell.trieNext = node.trieNext;
    if (parent === undefined) this.#root = cell;
    else setChild(parent, lastKey, lastValue, cell);
    this.cells.push(cell);
    return cell;
  }

  /**
   * Replaces each string value of `attrs` (a not yet frozen copy of the canonical set) by the equal
   * string the trie already keeps on its path: a series whose `route` is a new string object per call (a
   * template literal, a header) would otherwise keep its own copy of a value its siblings have —
   * ~30 B per series of {route, status} with two statuses per route (bench/heap/child.mjs).
   */
  #shareStrings(attrs: Attributes): void {
    let node: TrieNode | undefined = this.#root;
    for (const k in attrs) {
      const v = attrs[k];
      const child: TrieNode | undefined = node === undefined ? undefined : findChild(node, k, typeof v === 'string' ? v : this.#anyKeys.find(v));
      // Same key, same type of value: the object keeps its shape (and exact size).
      if (typeof v === 'string' && child !== undefined) attrs[k] = this.#keptString(child, k, v);
      node = child;
    }
  }

  /** The value of `k` that the first series at or below `node` keeps, when it is `v` (it always is). */
  #keptString(node: TrieNode, k: string, v: string): string {
    let n: TrieNode | undefined = node;
    // Down the first inline child: a series below shares the path, hence the value of `k`.
    for (let depth = 0; n !== undefined && depth < 64; depth++) {
      if (this.#isSeries(n)) {
        const kept = n.attributes[k];
        return kept === v ? (kept as string) : v;
      }
      n = firstChild(n);
    }
    return v;
  }

  /** Remembers the caller's key order so the next call with it is a plain walk. */
  #alias(attrs: Attributes, cell: C): void {
    if (this.#aliasNodes >= this.#limit * 4) return;
    let node: TrieNode = this.#root;
    const keys = Object.keys(attrs).filter((k) => attrs[k] !== undefined);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const vk = this.#anyKeys.intern(attrs[k]);
      let child = findChild(node, k, vk);
      if (i === keys.length - 1) {
        if (child === undefined) {
          setChild(node, k, vk, cell);
          this.#aliasNodes++;
        }
        return;
      }
      if (child === undefined) {
        child = newNode();
        setChild(node, k, vk, child);
        this.#aliasNodes++;
      }
      node = child;
    }
  }

  #overflowCell(attrs: Attributes | undefined, rememberOrder: boolean): C {
    if (this.#overflow === undefined) {
      this.#warn.warn(
        `cardinality:${this.descriptor.name}`,
        `instrument "${this.descriptor.name}" reached its cardinality limit of ${this.#limit} series; further attribute sets are aggregated into the series {otel.metric.overflow=true}`,
      );
      this.#overflow = new this.#cellClass(OVERFLOW_ATTRIBUTES, this.#shared);
      this.cells.push(this.#overflow);
    }
    if (rememberOrder && attrs) this.#alias(attrs, this.#overflow);
    return this.#overflow;
  }

  /**
   * Whether a measurement is one the instrument keeps; warns (once per kind) when not. The unbound
   * path asks before looking up the series, so a rejected value creates none.
   */
  accepts(value: unknown): boolean {
    if (typeof value === 'number' && value - value === 0) {
      const kind = this.descriptor.kind;
      if (value >= 0 || kind === 'updowncounter' || kind === 'gauge') return true;
    }
    this.#warnRejected(value);
    return false;
  }

  #warnRejected(value: unknown): void {
    const kind = this.descriptor.kind;
    const what =
      typeof value !== 'number' ? 'non-number' : value !== value ? 'NaN' : value === Infinity || value === -Infinity ? 'infinite' : kind === 'histogram' ? 'negative histogram' : 'negative counter';
    this.#warn.warn(`bad-value:${this.descriptor.name}:${what}`, `instrument "${this.descriptor.name}": dropped ${what} value ${typeof value === 'number' ? String(value) : typeof value}`);
  }

  /** One warning per kind for a value an observable callback reported (dropped). */
  warnBadValue(value: unknown): void {
    const what = typeof value !== 'number' ? 'non-number' : value !== value ? 'NaN' : value < 0 && value !== -Infinity ? 'negative' : 'infinite';
    this.#warn.warn(`bad-value:${this.descriptor.name}:${what}`, `instrument "${this.descriptor.name}": dropped observed ${what} value`);
  }

  /** Number of series (including overflow). */
  get size(): number {
    return this.cells.length;
  }

  /**
   * Whether a series is part of the last collection: every series of a synchronous instrument;
   * for an observable one, those observed in the last round. (A synchronous cell's
   * `observedEpoch` and its storage's `epoch` both stay 0.)
   */
  collected(cell: Cell): boolean {
    return cell.observedEpoch === this.epoch;
  }

  /** The series of the last collection (see {@link collected}), in creation order. */
  exportCells(): C[] {
    if (!this.isObservable) return this.cells;
    const epoch = this.epoch;
    return this.cells.filter((c) => c.observedEpoch === epoch);
  }
}

/** An instrument's storage, narrowed by `kind` to the cells it holds. */
export type AnyInstrumentStorage = InstrumentStorage<SumCell> | InstrumentStorage<GaugeCell> | InstrumentStorage<HistogramCell>;
