import {
  type Attributes,
  type BatchObservableCallback,
  type Context,
  type Counter as ApiCounter,
  type Gauge as ApiGauge,
  type Histogram as ApiHistogram,
  type Observable,
  type ObservableCallback,
  type ObservableCounter as ApiObservableCounter,
  type ObservableGauge as ApiObservableGauge,
  type ObservableResult,
  type ObservableUpDownCounter as ApiObservableUpDownCounter,
  type UpDownCounter as ApiUpDownCounter,
} from '@opentelemetry/api';
import type { GaugeCell, HistogramCell, SumCell } from './cells.js';
import type { InstrumentStorage } from './instrument-storage.js';

/** A counter bound to one attribute set: `add` is a property update, no hashing. */
export interface BoundCounter {
  add(value: number): void;
}
export interface BoundHistogram {
  record(value: number): void;
}
export interface BoundGauge {
  record(value: number): void;
}

/**
 * The context passed with a measurement, for its exemplar (the span in it, instead of the active
 * one's); anything that is not a Context is ignored. Handed to the cell rather than entered with
 * `context.with()`, which cost a closure, the API's global lookup and an AsyncLocalStorage `run`
 * per record (~0.5 µs on Node 24, where `run` copies the async context frame) — and found no span
 * when no context manager was registered, though the span was right there in the context.
 */
function explicitContext(ctx: Context | undefined): Context | undefined {
  return ctx === undefined || ctx === null || typeof (ctx as { getValue?: unknown }).getValue !== 'function' ? undefined : ctx;
}

/** Counter and UpDownCounter: sums, one cell per series (a counter's cell also refuses negative adds). */
abstract class SumInstrument {
  /** @internal */
  readonly storage: InstrumentStorage<SumCell>;
  constructor(storage: InstrumentStorage<SumCell>) {
    this.storage = storage;
  }
  add(value: number, attributes?: Attributes, context?: Context): void {
    // A rejected value must not create a series (nor use cardinality): checked before the lookup.
    if (!this.storage.accepts(value)) return;
    const cell = this.storage.cell(attributes);
    if (context === undefined) cell.add(value);
    else cell.add(value, explicitContext(context));
  }
  /** A handle bound to `attributes`; keep it and call `add` on the hot path. */
  bind(attributes?: Attributes): BoundCounter {
    return this.storage.cell(attributes);
  }
}

export class Counter extends SumInstrument implements ApiCounter {}

export class UpDownCounter extends SumInstrument implements ApiUpDownCounter {}

export class Histogram implements ApiHistogram {
  /** @internal */
  readonly storage: InstrumentStorage<HistogramCell>;
  constructor(storage: InstrumentStorage<HistogramCell>) {
    this.storage = storage;
  }
  record(value: number, attributes?: Attributes, context?: Context): void {
    if (!this.storage.accepts(value)) return;
    const cell = this.storage.cell(attributes);
    if (context === undefined) cell.record(value);
    else cell.record(value, explicitContext(context));
  }
  bind(attributes?: Attributes): BoundHistogram {
    return this.storage.cell(attributes);
  }
}

export class Gauge implements ApiGauge {
  /** @internal */
  readonly storage: InstrumentStorage<GaugeCell>;
  constructor(storage: InstrumentStorage<GaugeCell>) {
    this.storage = storage;
  }
  record(value: number, attributes?: Attributes): void {
    if (!this.storage.accepts(value)) return;
    this.storage.cell(attributes).record(value);
  }
  bind(attributes?: Attributes): BoundGauge {
    return this.storage.cell(attributes);
  }
}

/** The storage of an observable instrument: sums (observable counters) or last values (observable gauges). */
export type ObservableStorage = InstrumentStorage<SumCell | GaugeCell>;

/** Observable instruments: callbacks run at collection time and set the observed cells. */
export class ObservableInstrument implements ApiObservableCounter, ApiObservableGauge, ApiObservableUpDownCounter {
  /** @internal */
  readonly storage: ObservableStorage;
  /** @internal */
  readonly callbacks: ObservableCallback[] = [];
  constructor(storage: ObservableStorage) {
    this.storage = storage;
  }
  addCallback(callback: ObservableCallback): void {
    if (typeof callback === 'function' && !this.callbacks.includes(callback)) this.callbacks.push(callback);
  }
  removeCallback(callback: ObservableCallback): void {
    const i = this.callbacks.indexOf(callback);
    if (i >= 0) this.callbacks.splice(i, 1);
  }
}

/** What an observable callback writes into: observations go straight to cells of the current round. */
export class ObservationResult implements ObservableResult {
  readonly #storage: ObservableStorage;
  readonly #epoch: number;
  constructor(storage: ObservableStorage, epoch: number) {
    this.#storage = storage;
    this.#epoch = epoch;
  }
  observe(value: number, attributes?: Attributes): void {
    observeInto(this.#storage, this.#epoch, value, attributes);
  }
}

/** @internal */
export function observeInto(storage: ObservableStorage, epoch: number, value: number, attributes?: Attributes): void {
  if (typeof value !== 'number' || value !== value || value === Infinity || value === -Infinity) {
    storage.warnBadValue(value);
    return;
  }
  // A monotonic sum never goes below zero (a negative _total is an invalid exposition).
  if (value < 0 && storage.descriptor.kind === 'observablecounter') {
    storage.warnBadValue(value);
    return;
  }
  const cell = storage.cell(attributes);
  cell.set(storage.descriptor.integer ? Math.trunc(value) : value);
  cell.observedEpoch = epoch;
}

export interface BatchRegistration {
  readonly callback: BatchObservableCallback;
  readonly observables: readonly Observable[];
}
