import { TraceFlags, type Attributes } from '@opentelemetry/api';
import {
  GaugeCell,
  HistogramCell,
  InstrumentStorage,
  MetricStore,
  SumCell,
  WarnOnce,
  type AnyCell,
  type AnyInstrumentStorage,
  type BucketExemplars,
  type Collected,
  type CollectOptions,
  type MetricsView,
} from '@otelkit/metrics';
import type { ResolvedClusterOptions } from './cluster-options.js';
import { ClusterMember, type MemberInstrument } from './cluster-member.js';
import { encodeCollection, type WireBase, type WireCollection, type WireDescriptor } from './protocol.js';

/*
 * The primary's merged view of every worker's series: a MetricStore whose instruments are made of
 * the workers' collections, so the Prometheus handler, both serializers (exemplars included) and
 * snapshot() read it as they read a process's own store — one serialization, no second writer.
 *
 * Each scrape: every worker answers with its collection (protocol.ts), then every aggregate cell
 * is rebuilt from the members' last values (a member that did not answer in time contributes its
 * previous values). Merged cells are real cells (SumCell, HistogramCell, GaugeCell) in real
 * InstrumentStorages; which ones belong to this scrape is said by their epoch, as for observable
 * instruments (`InstrumentStorage.collected`).
 *
 * Deviation: the spec defines no spatial aggregation of exemplars; of several workers' exemplars
 * for one summed series (or bucket) the most recent is kept, which is what a trace lookup from a
 * dashboard wants. `target_info` is written from the primary's resource (the scrape is one target).
 */

/** The aggregate key of an instrument: same scope, name, kind, unit and buckets → one instrument. */
function keyOf(d: WireDescriptor): string {
  return JSON.stringify([d.scope.name, d.scope.version ?? '', d.scope.schemaUrl ?? '', d.name, d.kind, d.unit, d.boundaries]);
}

/**
 * Merged storages answer `exportCells()` like observable ones: only the series of the last merge
 * (an exited worker's series are not part of the snapshot, though their cells remain until
 * compaction).
 */
class MergedStorage<C extends AnyCell> extends InstrumentStorage<C> {
  override exportCells(): C[] {
    const epoch = this.epoch;
    return this.cells.filter((c) => c.observedEpoch === epoch);
  }
}

interface Aggregate {
  readonly storage: AnyInstrumentStorage;
  readonly labelled: boolean;
  readonly buckets: number;
}

const MONOTONIC = new Set(['counter', 'observablecounter', 'histogram']);
const GAUGES = new Set(['gauge', 'observablegauge']);

/** Cells made per dead cell before the aggregate is rebuilt from the live members (see #compact). */
const COMPACT_MIN_DEAD = 1024;

export class ClusterStore extends MetricStore {
  readonly options: ResolvedClusterOptions;
  readonly members = new Set<ClusterMember>();
  /** The primary's own series. */
  readonly local: ClusterMember;
  /** Sum mode: final counter and histogram values of exited workers. */
  readonly departed = new ClusterMember('departed');
  readonly #own: MetricStore;
  readonly #warn = new WarnOnce('otelkit/cluster');
  #view: { instruments: AnyInstrumentStorage[] } = { instruments: [] };
  #aggregates = new Map<string, Aggregate>();
  #generation = 1;
  #epoch = 0;
  #gathering: Promise<unknown[]> | undefined;
  #nextId = 0;
  /** Series in the last merge. */
  #present = 0;
  lastMergeMs: number | undefined;

  constructor(own: MetricStore, options: ResolvedClusterOptions) {
    super({ exemplarFilter: 'always_off', cardinalityLimit: Number.MAX_SAFE_INTEGER });
    this.#own = own;
    this.options = options;
    this.local = new ClusterMember('primary', process.pid);
    this.local.state = 'ready';
    this.departed.state = 'ready';
  }

  /** The merged view as of the last merge. */
  get view(): MetricsView {
    return this.#view;
  }

  override get seriesCount(): number {
    return this.#present;
  }

  /** One cluster collection (every worker answers or times out), then the visitor reads the merge. */
  override async collect<T>(visit: (view: MetricsView) => T, _options?: CollectOptions): Promise<Collected<T>> {
    const errors = await this.gather();
    return { result: visit(this.#view), errors };
  }

  /** The exit path cannot wait for workers: the primary's own series are collected, the workers' are their last values. */
  override collectSync<T>(visit: (view: MetricsView) => T, _options?: CollectOptions): Collected<T> {
    const { result, errors } = this.#own.collectSync((view) => encodeCollection(view, this.local.base()));
    this.apply(this.local, result);
    this.#merge();
    return { result: visit(this.#view), errors };
  }

  override read<T>(visit: (view: MetricsView) => T): T {
    return visit(this.#view);
  }

  override async observe(): Promise<unknown[]> {
    return this.gather();
  }

  /** Asks every ready worker for its collection (concurrent calls share one), then merges. */
  gather(): Promise<unknown[]> {
    return (this.#gathering ??= this.#gather().finally(() => (this.#gathering = undefined)));
  }

  async #gather(): Promise<unknown[]> {
    const waits: Promise<void>[] = [];
    for (const m of this.members) if (m.state === 'ready' || m.state === 'unresponsive') waits.push(this.#collectFrom(m));
    const { result, errors } = await this.#own.collect((view) => encodeCollection(view, this.local.base()), { timeoutMs: this.options.timeoutMs });
    this.apply(this.local, result);
    this.local.lastCollectMs = Date.now();
    await Promise.all(waits);
    this.#merge();
    return errors;
  }

  /** Set by the transport (cluster-primary.ts): sends a collection request to a member. */
  send: (m: ClusterMember, id: number, base: WireBase) => void = () => undefined;

  #collectFrom(m: ClusterMember): Promise<void> {
    if (m.pending === undefined) {
      const id = ++this.#nextId;
      m.pendingId = id;
      m.pending = new Promise<void>((resolve) => (m.resolvePending = resolve));
      try {
        this.send(m, id, m.base());
      } catch (e) {
        this.#settle(m);
        m.lastError = `could not send the collection request: ${e instanceof Error ? e.message : String(e)}`;
      }
    }
    const pending = m.pending;
    if (pending === undefined) return Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        if (m.pending === pending && m.state !== 'exited') {
          m.state = 'unresponsive';
          m.lastError = `did not answer the collection within ${this.options.timeoutMs} ms; its previous values are served`;
          this.#warn.warn(`unresponsive:${m.label}`, `otelkit/cluster: worker ${m.label} ${m.lastError}`);
        }
        resolve();
      }, this.options.timeoutMs);
      timer.unref?.();
    });
    return Promise.race([pending, timeout]).finally(() => clearTimeout(timer));
  }

  #settle(m: ClusterMember): void {
    const r = m.resolvePending;
    m.pending = undefined;
    m.resolvePending = undefined;
    r?.();
  }

  /** A member's answer to request `id` (a late one too: its values are newer than what is held). */
  answered(m: ClusterMember, id: number, collection: WireCollection): void {
    if (m.state === 'exited') {
      this.final(m, collection);
      return;
    }
    this.apply(m, collection);
    m.lastCollectMs = Date.now();
    if (id === m.pendingId) {
      m.state = 'ready';
      m.lastError = undefined;
      this.#settle(m);
    }
  }

  /** A worker's last values, sent as its telemetry shut down (before or after its exit event). */
  final(m: ClusterMember, collection: WireCollection): void {
    if (m.state === 'exited') {
      // Already folded into the departed total: replace what was folded by the newer values.
      this.#fold(m, -1);
      this.apply(m, collection);
      this.#fold(m, 1);
    } else {
      this.apply(m, collection);
    }
    m.lastCollectMs = Date.now();
  }

  /** The worker exited: its summed counters and histograms join the departed total; the rest ages out. */
  exited(m: ClusterMember): void {
    if (m.state === 'exited') return;
    m.state = 'exited';
    m.exitedAtMs = Date.now();
    this.#settle(m);
    this.#fold(m, 1);
  }

  /** Takes a collection into a member's state. Incremental parts are applied only when their base is the member's. */
  apply(m: ClusterMember, col: WireCollection): void {
    if (col.base.instruments === m.instruments.length) {
      for (const desc of col.instruments) m.instruments.push({ key: keyOf(desc), desc, attrs: [], data: undefined, cells: [], generation: 0 });
    }
    const n = Math.min(col.data.length, m.instruments.length);
    for (let i = 0; i < n; i++) {
      const mi = m.instruments[i]!;
      const attrs = col.attrs[i];
      if (attrs !== undefined && col.from[i] === mi.attrs.length) for (const a of attrs) mi.attrs.push(a);
      mi.data = col.data[i];
    }
  }

  #aggregate(mi: MemberInstrument): Aggregate {
    let agg = this.#aggregates.get(mi.key);
    if (agg !== undefined) return agg;
    const d = mi.desc;
    const descriptor = { name: d.name, description: d.description, unit: d.unit, kind: d.kind, integer: d.integer, boundaries: d.boundaries };
    const cellClass = d.kind === 'histogram' ? HistogramCell : GAUGES.has(d.kind) ? GaugeCell : SumCell;
    const storage = new MergedStorage(descriptor, d.scope, cellClass as never, undefined, Number.MAX_SAFE_INTEGER, this.#warn) as unknown as AnyInstrumentStorage;
    agg = { storage, labelled: this.options.mode === 'per-worker' || GAUGES.has(d.kind), buckets: d.boundaries.length + 1 };
    this.#aggregates.set(mi.key, agg);
    this.#view.instruments.push(storage);
    return agg;
  }

  /** Adds (sign 1) or removes (-1) an exited member's summed monotonic series to the departed total (sum mode). */
  #fold(m: ClusterMember, sign: 1 | -1): void {
    if (this.options.mode !== 'sum') return;
    const d = this.departed;
    for (const mi of m.instruments) {
      const data = mi.data;
      if (data === undefined || !MONOTONIC.has(mi.desc.kind)) continue;
      let di = d.instruments.find((x) => x.key === mi.key);
      if (di === undefined) {
        const hist = mi.desc.kind === 'histogram';
        di = { key: mi.key, desc: mi.desc, attrs: [], data: hist ? { c: [], s: [], lo: [], hi: [] } : { v: [] }, cells: [], generation: 0, index: new Map() };
        d.instruments.push(di);
      }
      const dd = di.data!;
      const nb = mi.desc.boundaries.length + 1;
      const n = Math.min(mi.attrs.length, data.v?.length ?? data.s?.length ?? 0);
      for (let j = 0; j < n; j++) {
        if (data.v !== undefined && (data.v[j] === null || data.v[j] === undefined)) continue;
        const attrs = mi.attrs[j]!;
        const ak = JSON.stringify(attrs);
        let k = di.index!.get(ak);
        if (k === undefined) {
          k = di.attrs.length;
          di.index!.set(ak, k);
          di.attrs.push(attrs);
          if (dd.v !== undefined) dd.v.push(0);
          else {
            for (let b = 0; b < nb; b++) dd.c!.push(0);
            dd.s!.push(0);
            dd.lo!.push(null);
            dd.hi!.push(null);
          }
        }
        if (dd.v !== undefined) dd.v[k] = (dd.v[k] ?? 0) + sign * (data.v![j] ?? 0);
        else {
          for (let b = 0; b < nb; b++) dd.c![k * nb + b]! += sign * data.c![j * nb + b]!;
          dd.s![k]! += sign * data.s![j]!;
          const lo = data.lo![j] ?? null;
          const hi = data.hi![j] ?? null;
          if (sign > 0 && lo !== null && (dd.lo![k] === null || lo < dd.lo![k]!)) dd.lo![k] = lo;
          if (sign > 0 && hi !== null && (dd.hi![k] === null || hi > dd.hi![k]!)) dd.hi![k] = hi;
        }
      }
    }
  }

  /** Rebuilds every aggregate cell from the members' values. */
  #merge(): void {
    const now = Date.now();
    for (const m of this.members) {
      if (m.state === 'exited' && now - m.exitedAtMs >= this.options.staleAfterMs) this.members.delete(m);
    }
    const epoch = ++this.#epoch;
    let present = 0;
    const label = this.options.workerLabel;
    const contributors = [this.departed, this.local, ...this.members];
    for (const m of contributors) {
      const exited = m.state === 'exited';
      for (const mi of m.instruments) {
        const data = mi.data;
        if (data === undefined) continue;
        const agg = this.#aggregate(mi);
        // An exited worker's summed series are in the departed total already.
        if (exited && !agg.labelled) continue;
        if (mi.generation !== this.#generation) {
          mi.cells = [];
          mi.generation = this.#generation;
        }
        const storage = agg.storage;
        const cells = mi.cells;
        const attrsOf = (j: number): Attributes => {
          const a = mi.attrs[j]!;
          if (!agg.labelled) return a;
          if (a[label] !== undefined) this.#warn.warn(`label:${mi.desc.name}`, `otelkit/cluster: instrument "${mi.desc.name}" has an attribute "${label}", which the worker label replaces (cluster.workerLabel names another)`);
          return { ...a, [label]: m.label };
        };
        if (storage.kind === 'histogram') {
          const nb = agg.buckets;
          const n = Math.min(mi.attrs.length, data.s?.length ?? 0);
          const c = data.c!;
          for (let j = 0; j < n; j++) {
            const cell = (cells[j] ??= storage.cell(attrsOf(j))) as HistogramCell;
            if (cell.observedEpoch !== epoch) {
              cell.observedEpoch = epoch;
              present++;
              cell.counts.fill(0);
              cell.sum = 0;
              cell.count = 0;
              cell.min = Infinity;
              cell.max = -Infinity;
              cell.exemplars?.contexts.fill(undefined);
            }
            const counts = cell.counts;
            let total = 0;
            for (let b = 0; b < nb; b++) {
              const x = c[j * nb + b]!;
              counts[b]! += x;
              total += x;
            }
            cell.count += total;
            cell.sum += data.s![j]!;
            const lo = data.lo![j] ?? null;
            const hi = data.hi![j] ?? null;
            if (lo !== null && lo < cell.min) cell.min = lo;
            if (hi !== null && hi > cell.max) cell.max = hi;
          }
          const ex = data.ex;
          if (ex !== undefined) {
            for (let k = 0; k + 5 < ex.length; k += 6) {
              const cell = cells[ex[k] as number] as HistogramCell | undefined;
              if (cell === undefined || cell.observedEpoch !== epoch) continue;
              const b = ex[k + 1] as number;
              const timeMs = ex[k + 3] as number;
              const slots: BucketExemplars = (cell.exemplars ??= { values: new Array<number>(nb).fill(0), timesMs: new Array<number>(nb).fill(0), contexts: new Array(nb).fill(undefined), base: new Array<number>(nb).fill(0), nextAt: new Array<number>(nb).fill(1) });
              // Several workers sampled the bucket: the most recent measurement is shown.
              if (slots.contexts[b] === undefined || slots.timesMs[b]! < timeMs) {
                slots.values[b] = ex[k + 2] as number;
                slots.timesMs[b] = timeMs;
                slots.contexts[b] = { traceId: ex[k + 4] as string, spanId: ex[k + 5] as string, traceFlags: TraceFlags.SAMPLED };
              }
            }
          }
        } else {
          const v = data.v ?? [];
          const n = Math.min(mi.attrs.length, v.length);
          for (let j = 0; j < n; j++) {
            const x = v[j];
            if (x === null || x === undefined) continue;
            const cell = (cells[j] ??= storage.cell(attrsOf(j))) as SumCell | GaugeCell;
            if (cell.observedEpoch !== epoch) {
              cell.observedEpoch = epoch;
              present++;
              cell.value = 0;
              if (cell.kind === 'sum') cell.exemplar = undefined;
            }
            cell.value += x;
          }
          const ex = data.ex;
          if (ex !== undefined) {
            for (let k = 0; k + 4 < ex.length; k += 5) {
              const cell = cells[ex[k] as number];
              if (cell === undefined || cell.kind !== 'sum' || cell.observedEpoch !== epoch) continue;
              const timeMs = ex[k + 2] as number;
              if (cell.exemplar === undefined || cell.exemplar.timeMs < timeMs) {
                cell.exemplar = { value: ex[k + 1] as number, timeMs, context: { traceId: ex[k + 3] as string, spanId: ex[k + 4] as string, traceFlags: TraceFlags.SAMPLED }, seen: 0, next: 1 };
              }
            }
          }
        }
      }
    }
    for (const s of this.#view.instruments) s.epoch = epoch;
    this.#present = present;
    this.lastMergeMs = now;
    this.#compact(present);
  }

  /**
   * Cells are never removed from an InstrumentStorage (exporters index caches by position), so the
   * series of exited workers (per-worker series, gauges) stay as cells that are no longer exposed.
   * Once they outnumber the live ones, the aggregate is rebuilt from the members' values: a fresh
   * view, whose label caches start empty (one slower scrape) — memory stays bounded by the live
   * series however many workers come and go.
   */
  #compact(present: number): void {
    let total = 0;
    for (const s of this.#view.instruments) total += s.cells.length;
    const dead = total - present;
    if (dead < COMPACT_MIN_DEAD || dead <= present) return;
    this.#view = { instruments: [] };
    this.#aggregates = new Map();
    this.#generation++;
    this.#merge();
  }
}
