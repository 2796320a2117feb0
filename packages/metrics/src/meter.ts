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

/**
 * The semantic conventions' advice for durations in seconds (`http.server.request.duration` and
 * every other `*.duration` histogram in `s`):
 * https://opentelemetry.io/docs/specs/semconv/http/http-metrics/#metric-httpserverrequestduration
 */
export const SECONDS_HISTOGRAM_BOUNDARIES: readonly number[] = Object.freeze([0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]);

/**
 * Boundaries of a histogram that has none of its own (no `histogramBoundaries` option or view, no
 * `advice.explicitBucketBoundaries`).
 * Deviation: the SDK spec's default (DEFAULT_HISTOGRAM_BOUNDARIES, 0 … 10000) is used for every
 * unit but `s`, which gets SECONDS_HISTOGRAM_BOUNDARIES. The spec default is scaled for
 * milliseconds: with unit `s` every request under 5 s falls into the first two buckets (a 20 ms
 * request lands in `le="5"`), so the README's own `createHistogram('checkout.duration', { unit: 's' })`
 * showed nothing useful. `ms` and every other unit keep the spec default. An explicit option wins
 * over advice, and advice over this default.
 */
export function defaultBoundaries(unit: string): readonly number[] {
  return unit === 's' ? SECONDS_HISTOGRAM_BOUNDARIES : DEFAULT_HISTOGRAM_BOUNDARIES;
}

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

/** One registration of an instrument name in a meter (see {@link Meter}'s duplicate handling). */
interface Registration {
  /** As first given (names compare case-insensitively). */
  readonly name: string;
  readonly kind: InstrumentKind;
  readonly unit: string;
  readonly description: string;
  readonly integer: boolean;
  /** Histogram advice as a comparable string ('' when none). */
  readonly advice: string;
  readonly instrument: unknown;
}

/**
 * Metrics one name may have in one meter through conflicting registrations (another kind, unit or
 * value type). Past it, a registration of a kind the name already has records into that kind's
 * first metric (still a working instrument, as the spec requires) instead of adding more: units
 * built from data must not grow the instruments, the exposition and its warnings without bound.
 */
const MAX_METRICS_PER_NAME = 4;

function adviceKey(advice: unknown): string {
  if (advice === undefined) return '';
  try {
    return JSON.stringify(advice) ?? '';
  } catch {
    return '?';
  }
}

export class Meter implements ApiMeter {
  readonly scope: InstrumentationScope;
  readonly #store: MetricStore;
  /** Registrations by lower-cased name, in registration order (see {@link Meter.#register}). */
  readonly #byName = new Map<string, Registration[]>();
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
    const description = typeof options?.description === 'string' ? options.description : '';
    const integer = options?.valueType === ValueType.INT;
    const lname = name.toLowerCase();
    const list = this.#byName.get(lname);
    let advice: unknown;
    try {
      advice = kind === 'histogram' ? options?.advice?.explicitBucketBoundaries : undefined;
    } catch {
      advice = undefined;
    }
    if (list !== undefined) {
      const found = this.#duplicate(list, { name, kind, unit: unit as string, description, integer, advice });
      if (found !== undefined) return found as T;
    }
    let boundaries: readonly number[] = [];
    if (kind === 'histogram') {
      const fromView = this.#boundaries?.(name, this.scope);
      if (fromView !== undefined && validBoundaries(fromView)) boundaries = Object.freeze([...fromView]);
      else if (advice !== undefined && validBoundaries(advice)) boundaries = Object.freeze([...advice]);
      else {
        if (advice !== undefined) this.#store.warn.warn(`bad-boundaries:${name}`, `instrument "${name}": advice boundaries must be finite and strictly increasing; using the defaults`);
        boundaries = defaultBoundaries(unit as string);
      }
    }
    const storage = this.#store.register({ name, description, unit: unit as string, kind, integer, boundaries }, this.scope, cellClass);
    const instrument = make(storage);
    const registration: Registration = { name, kind, unit: unit as string, description, integer, advice: adviceKey(advice), instrument };
    if (list === undefined) this.#byName.set(lname, [registration]);
    else list.push(registration);
    return instrument;
  }

  /**
   * Duplicate instrument registration
   * (https://opentelemetry.io/docs/specs/otel/metrics/sdk/#duplicate-instrument-registration):
   * every registration gets a working instrument and no measurement is dropped. The identifying
   * fields are name (case-insensitive), kind, unit and description
   * (https://opentelemetry.io/docs/specs/otel/metrics/api/#instrument), plus the value type, which
   * the API spec says language-level integer/float distinctions SHOULD be. Advisory parameters are
   * not identifying. Only instruments of one Meter can be duplicates: the same name in another
   * meter (another scope name, version or schema URL) is another metric, without a warning.
   * - identical (all fields equal): the same instrument, no warning — the SDK "MUST aggregate data
   *   from identical Instruments together";
   * - identical but for the name's case, or with other advice: the first instrument, with the
   *   first-seen name and advice ("MUST return an instrument using the first-seen …"), one warning;
   * - another description only: the first instrument (one stream, the first description), one
   *   warning saying how to avoid it. Two streams that only differ in description would be one
   *   Prometheus family with equal label sets, where the later series are not exposed: merging
   *   keeps every value on both paths;
   * - another kind, unit or value type: a new instrument (both metrics are reported, as the spec's
   *   case 3 says), one warning; past MAX_METRICS_PER_NAME metrics for the name, the first metric
   *   of the same kind when there is one.
   * One warning per name and meter in all.
   * Deviation (Prometheus side): OTLP carries both metrics of a kind/unit conflict as two Metric
   * objects. On /metrics, a different unit gives another family name (`x_seconds`, `x_milliseconds`)
   * and a counter another sample name (`x_total`), so both show; but two instruments that map to
   * the same family name with different Prometheus types (counter `x` vs a gauge named `x_total`,
   * or a histogram `x` vs a gauge `x`) cannot both be shown: the exposition keeps the first family
   * and leaves the later instrument's series out with one warning, as the compatibility spec
   * requires ("Exporters MUST drop entire metrics to prevent conflicting TYPE comments"), and two
   * that map to the same family and type (a gauge and an UpDownCounter) share the family, a label
   * set seen twice being written once. The exposition is never corrupted; those values are only
   * on the OTLP path.
   */
  #duplicate(list: Registration[], r: Omit<Registration, 'instrument' | 'advice'> & { advice: unknown }): unknown {
    const where = `meter "${this.scope.name}"${this.scope.version ? ` version "${this.scope.version}"` : ''}`;
    // One warning per name and meter, whatever the number of conflicting registrations: options
    // built from user data (descriptions, units) must not grow the warnings.
    const key = `duplicate:${this.scope.name}\u0000${this.scope.version ?? ''}\u0000${r.name.toLowerCase()}`;
    const same = list.find((e) => e.kind === r.kind && e.unit === r.unit && e.integer === r.integer && e.description === r.description);
    if (same !== undefined) {
      if (same.name !== r.name) {
        this.#store.warn.warn(
          key,
          `instrument "${r.name}" in ${where} is a duplicate of "${same.name}" (instrument names are case-insensitive); measurements go to "${same.name}", the first-seen name. Use one spelling to avoid this warning (further conflicts of this name are not reported)`,
        );
      }
      if (r.kind === 'histogram' && adviceKey(r.advice) !== same.advice) {
        this.#store.warn.warn(
          key,
          `histogram "${r.name}" in ${where} was registered again with other advice (explicitBucketBoundaries); the first-seen advice is kept. Give every registration the same advice, or set the boundaries with the histogramBoundaries option (further conflicts of this name are not reported)`,
        );
      }
      return same.instrument;
    }
    const described = list.find((e) => e.kind === r.kind && e.unit === r.unit && e.integer === r.integer);
    if (described !== undefined) {
      this.#store.warn.warn(
        key,
        `instrument "${r.name}" in ${where} was registered again with description ${describeValue(r.description)} (first: ${describeValue(described.description)}); ` +
          `both record into one metric, which keeps the first description. Give both registrations the same description to avoid this warning (further conflicts of this name are not reported)`,
      );
      return described.instrument;
    }
    const first = list[0]!;
    const sameKind = list.find((e) => e.kind === r.kind);
    if (list.length >= MAX_METRICS_PER_NAME && sameKind !== undefined) {
      this.#store.warn.warn(
        key,
        `instrument "${r.name}" in ${where} already has ${list.length} conflicting registrations; this ${r.kind} with unit "${r.unit}" records into the first ${r.kind} of that name (unit "${sameKind.unit}"). Rename it to avoid the conflict (further conflicts of this name are not reported)`,
      );
      return sameKind.instrument;
    }
    this.#store.warn.warn(
      key,
      `instrument "${r.name}" in ${where} is already registered as a ${first.integer ? 'integer ' : ''}${first.kind} with unit "${first.unit}"; ` +
        `this ${r.integer ? 'integer ' : ''}${r.kind} with unit "${r.unit}" is a second metric of the same name (both are exported over OTLP; on /metrics a ` +
        `same-named family of another type is left out). Rename one of them to avoid the conflict (further conflicts of this name are not reported)`,
    );
    return undefined;
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
