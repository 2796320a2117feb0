import {
  createNoopMeter,
  ValueType,
  type BatchObservableCallback,
  type Meter as ApiMeter,
  type MetricOptions,
  type Observable,
} from '@opentelemetry/api';
import { GaugeCell, HistogramCell, SumCell, type AnyCell, type CellClass } from './cells.js';
import { Counter, Gauge, Histogram, ObservableInstrument, UpDownCounter } from './instruments.js';
import type { InstrumentStorage } from './instrument-storage.js';
import { describeValue } from './diag.js';
import type { MetricStore } from './store.js';
import type { InstrumentKind, InstrumentationScope } from './types.js';

/** https://opentelemetry.io/docs/specs/otel/metrics/api/#instrument-name-syntax */
const NAME_RE = /^[A-Za-z][A-Za-z0-9_./-]{0,254}$/;
/** https://opentelemetry.io/docs/specs/otel/metrics/api/#instrument-unit : ASCII, at most 63 characters. */
const UNIT_RE = /^[\x20-\x7e]{0,63}$/;

/** https://opentelemetry.io/docs/specs/otel/metrics/sdk/#explicit-bucket-histogram-aggregation */
export const DEFAULT_HISTOGRAM_BOUNDARIES: readonly number[] = Object.freeze([0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000]);

const NOOP = createNoopMeter();

/** Chooses bucket boundaries for a histogram by instrument name (a minimal view). */
export type BoundariesSelector = (instrumentName: string, scope: InstrumentationScope) => readonly number[] | undefined;

export function validBoundaries(b: unknown): b is readonly number[] {
  if (!Array.isArray(b)) return false;
  for (let i = 0; i < b.length; i++) {
    const v = b[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) return false;
    if (i > 0 && !(v > (b[i - 1] as number))) return false;
  }
  return true;
}

export class Meter implements ApiMeter {
  readonly scope: InstrumentationScope;
  readonly #store: MetricStore;
  readonly #byName = new Map<string, { kind: InstrumentKind; instrument: unknown; unit: string }>();
  readonly #boundaries: BoundariesSelector | undefined;

  constructor(store: MetricStore, scope: InstrumentationScope, boundaries?: BoundariesSelector) {
    this.#store = store;
    this.scope = scope;
    this.#boundaries = boundaries;
  }

  #register<C extends AnyCell, T>(
    kind: InstrumentKind,
    name: string,
    options: MetricOptions | undefined,
    cellClass: CellClass<C>,
    make: (s: InstrumentStorage<C>) => T,
    noop: () => unknown,
  ): T {
    if (typeof name !== 'string' || !NAME_RE.test(name)) {
      // Keyed by kind, not by name: names built from user data must not grow the warnings.
      this.#store.warn.warn(
        'bad-name',
        `invalid instrument name ${describeValue(name)}: it must match ${NAME_RE.source}; measurements on it are dropped (further invalid names are not reported)`,
      );
      return noop() as T;
    }
    let unit: unknown = options?.unit ?? '';
    if (typeof unit !== 'string' || !UNIT_RE.test(unit)) {
      this.#store.warn.warn(`bad-unit:${name}`, `instrument "${name}": invalid unit ${describeValue(unit)} (ASCII, at most 63 characters); using no unit`);
      unit = '';
    }
    // https://opentelemetry.io/docs/specs/otel/metrics/sdk/#duplicate-instrument-registration
    const lname = name.toLowerCase();
    const existing = this.#byName.get(lname);
    if (existing !== undefined) {
      if (existing.kind === kind && existing.unit === (unit as string)) return existing.instrument as T;
      this.#store.warn.warn(
        `duplicate:${this.scope.name}:${lname}`,
        `instrument "${name}" is already registered in meter "${this.scope.name}" as a ${existing.kind} with unit "${existing.unit}"; the conflicting ${kind} is a no-op`,
      );
      return noop() as T;
    }
    const description = typeof options?.description === 'string' ? options.description : '';
    let boundaries: readonly number[] = [];
    if (kind === 'histogram') {
      const fromView = this.#boundaries?.(name, this.scope);
      const advice = options?.advice?.explicitBucketBoundaries;
      if (fromView !== undefined && validBoundaries(fromView)) boundaries = Object.freeze([...fromView]);
      else if (advice !== undefined && validBoundaries(advice)) boundaries = Object.freeze([...advice]);
      else {
        if (advice !== undefined) this.#store.warn.warn(`bad-boundaries:${name}`, `instrument "${name}": advice boundaries must be finite and strictly increasing; using the defaults`);
        boundaries = DEFAULT_HISTOGRAM_BOUNDARIES;
      }
    }
    const storage = this.#store.register(
      { name, description, unit: unit as string, kind, integer: options?.valueType === ValueType.INT, boundaries },
      this.scope,
      cellClass,
    );
    const instrument = make(storage);
    this.#byName.set(lname, { kind, instrument, unit: unit as string });
    return instrument;
  }

  createCounter(name: string, options?: MetricOptions): Counter {
    return this.#register('counter', name, options, SumCell, (s) => new Counter(s), () => NOOP.createCounter(name));
  }
  createUpDownCounter(name: string, options?: MetricOptions): UpDownCounter {
    return this.#register('updowncounter', name, options, SumCell, (s) => new UpDownCounter(s), () => NOOP.createUpDownCounter(name));
  }
  createHistogram(name: string, options?: MetricOptions): Histogram {
    return this.#register('histogram', name, options, HistogramCell, (s) => new Histogram(s), () => NOOP.createHistogram(name));
  }
  createGauge(name: string, options?: MetricOptions): Gauge {
    return this.#register('gauge', name, options, GaugeCell, (s) => new Gauge(s), () => NOOP.createGauge(name));
  }
  #observable<C extends SumCell | GaugeCell>(kind: InstrumentKind, name: string, options: MetricOptions | undefined, cellClass: CellClass<C>): ObservableInstrument {
    return this.#register(
      kind,
      name,
      options,
      cellClass,
      (s) => {
        const o = new ObservableInstrument(s);
        this.#store.registerObservable(o);
        return o;
      },
      () => NOOP.createObservableGauge(name),
    );
  }
  createObservableCounter(name: string, options?: MetricOptions): ObservableInstrument {
    return this.#observable('observablecounter', name, options, SumCell);
  }
  createObservableUpDownCounter(name: string, options?: MetricOptions): ObservableInstrument {
    return this.#observable('observableupdowncounter', name, options, SumCell);
  }
  createObservableGauge(name: string, options?: MetricOptions): ObservableInstrument {
    return this.#observable('observablegauge', name, options, GaugeCell);
  }
  addBatchObservableCallback(callback: BatchObservableCallback, observables: Observable[]): void {
    if (typeof callback !== 'function' || !Array.isArray(observables)) {
      this.#store.warn.warn('bad-batch', 'addBatchObservableCallback needs a function and an array of observables; ignored');
      return;
    }
    this.#store.addBatch(callback, observables.slice());
  }
  removeBatchObservableCallback(callback: BatchObservableCallback, observables: Observable[]): void {
    if (!Array.isArray(observables)) return;
    this.#store.removeBatch(callback, observables);
  }
}
