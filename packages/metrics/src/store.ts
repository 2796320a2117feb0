import { diag, type BatchObservableCallback, type Observable } from '@opentelemetry/api';
import { WarnOnce } from './diag.js';
import { samplerFor, type ExemplarSampler } from './exemplar.js';
import { InstrumentStorage } from './instrument-storage.js';
import { ObservableInstrument, ObservationResult, observeInto, type BatchRegistration } from './instruments.js';
import type { ExemplarFilter, InstrumentDescriptor, InstrumentationScope } from './types.js';

export interface MetricStoreOptions {
  /** Default `trace_based`. */
  readonly exemplarFilter?: ExemplarFilter;
  /** Series per instrument, the overflow series included. Default 2000 (the SDK spec default). */
  readonly cardinalityLimit?: number;
}

/**
 * Every instrument of a MeterProvider, in registration order. Exporters read it directly (the
 * Prometheus serializer walks the cells) or through {@link MetricProducer}; both see the same
 * cells, so there is one tally whatever the number of readers.
 */
export class MetricStore {
  readonly instruments: InstrumentStorage[] = [];
  readonly exemplarFilter: ExemplarFilter;
  readonly cardinalityLimit: number;
  readonly warn: WarnOnce;
  readonly #sampler: ExemplarSampler | undefined;
  readonly #observables: ObservableInstrument[] = [];
  readonly #batches: BatchRegistration[] = [];
  #epoch = 0;
  /** When the store was made (process-level start time for uptime). */
  readonly startTimeMs = Date.now();

  constructor(options: MetricStoreOptions = {}) {
    this.exemplarFilter = options.exemplarFilter ?? 'trace_based';
    this.cardinalityLimit = options.cardinalityLimit ?? 2000;
    this.#sampler = samplerFor(this.exemplarFilter);
    this.warn = new WarnOnce('otelkit/metrics');
  }

  /** @internal */
  register(descriptor: InstrumentDescriptor, scope: InstrumentationScope): InstrumentStorage {
    const s = new InstrumentStorage(descriptor, scope, this.#sampler, this.cardinalityLimit, this.warn);
    this.instruments.push(s);
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
   * Runs every observable callback once (a collection round), waiting up to `timeoutMs` for the
   * asynchronous ones. Callback errors and time-outs are returned, never thrown: a bad callback
   * costs its own series, not the scrape.
   */
  async observe(timeoutMs = 10_000): Promise<unknown[]> {
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

  /**
   * A collection round for the synchronous exit path ('exit' event, uncaught exception), where
   * nothing asynchronous can run any more: callbacks run, promises they return are not awaited.
   */
  observeSync(): unknown[] {
    return this.#round().errors;
  }

  /** Ends a collection: opens a new exemplar sampling cycle. */
  endCycle(): void {
    for (const s of this.instruments) s.endCycle();
  }

  /** Total series across instruments. */
  get seriesCount(): number {
    let n = 0;
    for (const s of this.instruments) n += s.size;
    return n;
  }
}
