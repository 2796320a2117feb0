import { diag, type BatchObservableCallback, type Observable } from '@opentelemetry/api';
import type { AnyCell, CellClass } from './cells.js';
import { WarnOnce } from './diag.js';
import { refreshApiRegistry, samplerFor, type ExemplarSampler } from './exemplar-filter.js';
import { endExemplarCycle } from './exemplar-reservoir.js';
import { InstrumentStorage, type AnyInstrumentStorage } from './instrument-storage.js';
import { ObservableInstrument, ObservationResult, observeInto, type BatchRegistration } from './instruments.js';
import type { ExemplarFilter, InstrumentDescriptor, InstrumentationScope } from './types.js';

export interface MetricStoreOptions {
  /** Default `trace_based`. */
  readonly exemplarFilter?: ExemplarFilter;
  /** Series per instrument, the overflow series included. Default 2000 (the SDK spec default). */
  readonly cardinalityLimit?: number;
  /**
   * Length of a collection cycle: observable callbacks run at most once per cycle, and every
   * collection within it — by any reader — gets that round's observations (see
   * docs/DESIGN-NOTES.md, "One observation round per collection cycle"). Default 0: a round per
   * collection, except that a collection joins a round still in flight. `initTelemetry()` uses 1000.
   */
  readonly collectionCycleMs?: number;
}

/**
 * What an exporter reads during a collection: every instrument, in registration order, each with
 * its series (`exportCells()` / `collected(cell)` say which belong to the collection).
 * A MetricStore is one; serializers take this narrower type so that they cannot run callbacks or
 * end a sampling cycle themselves.
 */
export interface MetricsView {
  readonly instruments: readonly AnyInstrumentStorage[];
}

export interface CollectOptions {
  /** Upper bound for asynchronous observable callbacks; default 10 000 ms. */
  readonly timeoutMs?: number;
  /**
   * Whether what the visitor makes carries exemplars (default true): then the collection ends the
   * exemplar sampling cycle when the visitor returns. An export that drops them (text 0.0.4, as
   * the Pushgateway takes) passes false, so the next export that carries exemplars still samples
   * over the whole interval since the last one.
   */
  readonly exportsExemplars?: boolean;
}

/** What {@link MetricStore.collect} returns: the visitor's result and the callbacks' errors. */
export interface Collected<T> {
  readonly result: T;
  /** Errors thrown or rejected by observable callbacks (and time-outs of the async ones). */
  readonly errors: unknown[];
}

/**
 * Every instrument of a MeterProvider, in registration order. Every exporter reads it the same
 * way, through one collection API:
 *
 * - {@link collect} (async) / {@link collectSync} (exit path): runs the observable callbacks,
 *   hands the visitor the store, then ends the exemplar sampling cycle;
 * - {@link read}: the state the last collection left, with no side effect (snapshots, a second
 *   format of the same scrape).
 *
 * The Prometheus serializer walks the cells, {@link MetricProducer} builds sdk-metrics data from
 * them; both see the same cells, so there is one tally whatever the number of readers.
 */
export class MetricStore implements MetricsView {
  readonly instruments: AnyInstrumentStorage[] = [];
  readonly exemplarFilter: ExemplarFilter;
  readonly cardinalityLimit: number;
  readonly warn: WarnOnce;
  readonly #sampler: ExemplarSampler | undefined;
  readonly #observables: ObservableInstrument[] = [];
  readonly #batches: BatchRegistration[] = [];
  readonly #cycleMs: number;
  #epoch = 0;
  /** The last observation round: shared by every collection that starts while it is current. */
  #lastRound: { readonly epoch: number; readonly startMs: number; settled: boolean; readonly done: Promise<unknown[]> } | undefined;
  /** The epoch whose exemplar cycle an exporting collection already ended. */
  #exemplarsEndedEpoch = -1;
  /** When the store was made (process-level start time for uptime). */
  readonly startTimeMs = Date.now();

  constructor(options: MetricStoreOptions = {}) {
    this.exemplarFilter = options.exemplarFilter ?? 'trace_based';
    this.cardinalityLimit = options.cardinalityLimit ?? 2000;
    this.#sampler = samplerFor(this.exemplarFilter);
    const cycle = options.collectionCycleMs ?? 0;
    this.#cycleMs = Number.isFinite(cycle) && cycle > 0 ? cycle : 0;
    this.warn = new WarnOnce('otelkit/metrics');
  }

  /** @internal Storage for a new instrument whose series are cells of `cellClass`. */
  register<C extends AnyCell>(descriptor: InstrumentDescriptor, scope: InstrumentationScope, cellClass: CellClass<C>): InstrumentStorage<C> {
    const s = new InstrumentStorage(descriptor, scope, cellClass, this.#sampler, this.cardinalityLimit, this.warn);
    // TypeScript cannot see that InstrumentStorage<C>, C one of the three cell types, is a member
    // of the union of InstrumentStorage<SumCell> | …; CellClass<C> guarantees it.
    this.instruments.push(s as unknown as AnyInstrumentStorage);
    return s;
  }

  /** @internal */
  registerObservable(o: ObservableInstrument): void {
    this.#observables.push(o);
  }

  /** @internal */
  addBatch(callback: BatchObservableCallback, observables: readonly Observable[]): void {
    if (this.#batches.some((b) => b.callback === callback)) return;
    this.#batches.push({ callback, observables });
  }

  /** @internal */
  removeBatch(callback: BatchObservableCallback, observables: readonly Observable[]): void {
    const i = this.#batches.findIndex((b) => b.callback === callback && b.observables.length === observables.length);
    if (i >= 0) this.#batches.splice(i, 1);
  }

  /**
   * One collection round: runs every observable and batch callback once into a new epoch.
   * Errors are collected, never thrown; promises returned by callbacks are collected (already
   * guarded, so a rejection is never unhandled), for the caller to await or not.
   */
  #round(): { errors: unknown[]; pending: Promise<unknown>[] } {
    // The exemplar filter caches the API's registry; a collection re-checks it (exemplar-filter.ts).
    refreshApiRegistry();
    const epoch = ++this.#epoch;
    const errors: unknown[] = [];
    const pending: Promise<unknown>[] = [];
    const run = (fn: () => unknown): void => {
      try {
        const r = fn();
        if (r !== null && typeof r === 'object' && typeof (r as Promise<unknown>).then === 'function') {
          pending.push((r as Promise<unknown>).catch((e: unknown) => errors.push(e)));
        }
      } catch (e) {
        errors.push(e);
      }
    };
    for (const o of this.#observables) {
      o.storage.epoch = epoch;
      if (o.callbacks.length === 0) continue;
      const result = new ObservationResult(o.storage, epoch);
      for (const cb of o.callbacks) run(() => cb(result));
    }
    for (const b of this.#batches) {
      const batchResult = {
        observe: (observable: Observable, value: number, attributes?: Record<string, unknown>) => {
          if (!(observable instanceof ObservableInstrument) || !b.observables.includes(observable)) return;
          observeInto(observable.storage, epoch, value, attributes as never);
        },
      };
      run(() => b.callback(batchResult as never));
    }
    return { errors, pending };
  }

  /**
   * One collection: runs every observable callback once (waiting up to `timeoutMs` for the
   * asynchronous ones), calls `visit` with the store as the callbacks left it, then — unless
   * `exportsExemplars` is false — ends the exemplar sampling cycle. `visit` is synchronous, so
   * no measurement lands between the read and the end of the cycle. Callback errors are
   * returned, never thrown: a bad callback costs its own series, not the export. An error thrown
   * by `visit` propagates (the cycle is then not ended).
   *
   * @example
   * const { result: body } = await provider.store.collect((view) => serializeText(view, resource));
   */
  async collect<T>(visit: (view: MetricsView) => T, options?: CollectOptions): Promise<Collected<T>> {
    const errors = await this.observe(options?.timeoutMs);
    return { result: this.#visit(visit, options), errors };
  }

  /**
   * {@link collect} for the synchronous exit path ('exit' event, uncaught exception), where
   * nothing asynchronous can run any more: callbacks run, promises they return are not awaited.
   */
  collectSync<T>(visit: (view: MetricsView) => T, options?: CollectOptions): Collected<T> {
    const errors = this.observeSync();
    return { result: this.#visit(visit, options), errors };
  }

  /**
   * Reads the store as the last collection left it: runs no callback and leaves the exemplar
   * cycle open (observable instruments show their last observed values).
   */
  read<T>(visit: (view: MetricsView) => T): T {
    return visit(this);
  }

  #visit<T>(visit: (view: MetricsView) => T, options: CollectOptions | undefined): T {
    const result = visit(this);
    // One exemplar sampling cycle per observation round: the first collection of the round that
    // exports exemplars ends it; the others of the round read the same kept exemplars.
    if (options?.exportsExemplars !== false && this.#exemplarsEndedEpoch !== this.#epoch) {
      this.#exemplarsEndedEpoch = this.#epoch;
      endExemplarCycle(this.instruments);
    }
    return result;
  }

  /**
   * The round a collection starting now uses: the current one when it is still in flight, or
   * settled less than a cycle ago; else undefined (a new round runs).
   *
   * **Deviation** from https://opentelemetry.io/docs/specs/otel/metrics/sdk/#observations-inside-asynchronous-callbacks
   * ("callbacks ... called once per collection" of each reader): readers share rounds. Callbacks
   * that reset state when called — instrumentation-runtime-node's event loop delay histogram,
   * its ELU delta — otherwise hand each reader the leftover of the other readers' windows, and
   * nothing at all (the seven nodejs_eventloop_delay_* families vanish) when two collections come
   * within a few milliseconds (issue 15).
   */
  #currentRound(): { readonly epoch: number; settled: boolean; readonly done: Promise<unknown[]> } | undefined {
    const r = this.#lastRound;
    if (r === undefined || r.epoch !== this.#epoch) return undefined;
    if (!r.settled) return r;
    return this.#cycleMs > 0 && Date.now() - r.startMs < this.#cycleMs ? r : undefined;
  }

  /**
   * Runs every observable callback once (a collection round) without exporting anything — or,
   * when a round is in flight or (with `collectionCycleMs`) started less than a cycle ago, uses
   * that one: the first step of {@link collect}, public for tests and tools that inspect cells.
   * Exporters use {@link collect}. Errors and time-outs of the round this call ran are returned
   * (and logged), never thrown.
   */
  async observe(timeoutMs = 10_000): Promise<unknown[]> {
    const current = this.#currentRound();
    if (current !== undefined) {
      // Joins the round in flight (bounded by this collection's own timeout) or reuses a recent one.
      if (current.settled) return [];
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<unknown[]>((resolve) => {
        timer = setTimeout(() => resolve([new Error(`observable callbacks did not finish within ${timeoutMs} ms`)]), timeoutMs);
        timer.unref?.();
      });
      const errors = await Promise.race([current.done.then(() => []), timeout]);
      clearTimeout(timer);
      return errors;
    }
    const startMs = Date.now();
    let settle!: (errors: unknown[]) => void;
    const round = { epoch: this.#epoch + 1, startMs, settled: false, done: new Promise<unknown[]>((r) => (settle = r)) };
    this.#lastRound = round;
    try {
      const errors = await this.#observeRound(timeoutMs);
      settle(errors);
      return errors;
    } finally {
      round.settled = true;
      settle([]);
    }
  }

  async #observeRound(timeoutMs: number): Promise<unknown[]> {
    const { errors, pending } = this.#round();
    if (pending.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          errors.push(new Error(`observable callbacks did not finish within ${timeoutMs} ms`));
          resolve();
        }, timeoutMs);
        timer.unref?.();
      });
      await Promise.race([Promise.all(pending), timeout]);
      clearTimeout(timer);
    }
    for (const e of errors) diag.warn(`otelkit/metrics: observable callback failed: ${e instanceof Error ? e.message : String(e)}`);
    return errors;
  }

  /** {@link observe} without awaiting anything: the first step of {@link collectSync}. */
  observeSync(): unknown[] {
    // A round in flight or recent: its synchronous part ran, its observations are in the cells.
    if (this.#currentRound() !== undefined) return [];
    const round = { epoch: this.#epoch + 1, startMs: Date.now(), settled: true, done: Promise.resolve([]) };
    this.#lastRound = round;
    return this.#round().errors;
  }

  /** Total series across instruments. */
  get seriesCount(): number {
    let n = 0;
    for (const s of this.instruments) n += s.size;
    return n;
  }
}
