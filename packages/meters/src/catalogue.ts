import type { Attributes, Meter as ApiMeter, MetricOptions } from '@opentelemetry/api';
import { COORDINATOR_CATALOG, COORDINATOR_METRICS } from './coordinator/definitions.js';
import { SERVICE_HEALTH_CATALOG, SERVICE_HEALTH_METRICS } from './health/definitions.js';
import type { CatalogInstrumentKind } from './catalog/declaration.js';

/**
 * The flat view of one catalog instrument (see `toMetricDefinition`); the meter sets create their
 * instruments from these, which come from the catalogs (`COORDINATOR_CATALOG`, ...).
 */
export interface MetricDefinition {
  /** OpenTelemetry instrument name (dotted). */
  readonly name: string;
  readonly kind: CatalogInstrumentKind;
  /** UCUM unit: `s`, `{task}`. */
  readonly unit: string;
  readonly description: string;
  readonly attributes: readonly AttributeDefinition[];
  /** Histogram bucket upper bounds (advice), seconds. */
  readonly boundaries?: readonly number[];
}

export interface AttributeDefinition {
  readonly key: string;
  /**
   * The closed set of values, `other` included, or a sentence describing an open but bounded set
   * (a configuration value, or caller values up to a limit).
   */
  readonly values: readonly string[] | string;
}

/** A handle that adds to one series. */
export interface AddHandle {
  add(value: number): void;
}

/** A handle that records into one series. */
export interface RecordHandle {
  record(value: number): void;
}

interface Bindable<H> {
  bind?: (attributes?: Attributes) => H;
}

/**
 * The bound cell of an otelkit instrument, or, for a plain `@opentelemetry/api` instrument (a
 * sdk-metrics meter, or the no-op meter a shut-down provider hands out), a closure that passes the
 * attributes on every call.
 */
export function bindAdd(counter: { add(value: number, attributes?: Attributes): void } & Bindable<AddHandle>, attributes: Attributes): AddHandle {
  if (typeof counter.bind === 'function') return counter.bind(attributes);
  // Makes the series exist from the start, as a bound otelkit cell does.
  counter.add(0, attributes);
  return { add: (v: number) => counter.add(v, attributes) };
}

/** See {@link bindAdd}. */
export function bindRecord(histogram: { record(value: number, attributes?: Attributes): void } & Bindable<RecordHandle>, attributes: Attributes): RecordHandle {
  if (typeof histogram.bind === 'function') return histogram.bind(attributes);
  return { record: (v: number) => histogram.record(v, attributes) };
}

function options(def: MetricDefinition): MetricOptions {
  const o: MetricOptions = { description: def.description, unit: def.unit };
  if (def.boundaries !== undefined) o.advice = { explicitBucketBoundaries: def.boundaries as number[] };
  return o;
}

/** Creates the synchronous counter of `def` on `meter`. */
export function createCounterFor(meter: ApiMeter, def: MetricDefinition) {
  return meter.createCounter(def.name, options(def)) as ReturnType<ApiMeter['createCounter']> & Bindable<AddHandle>;
}

/** Creates the histogram of `def` on `meter`; `boundaries` overrides the definition's advice. */
export function createHistogramFor(meter: ApiMeter, def: MetricDefinition, boundaries?: readonly number[]) {
  const o = options(def);
  if (boundaries !== undefined) o.advice = { explicitBucketBoundaries: boundaries as number[] };
  return meter.createHistogram(def.name, o) as ReturnType<ApiMeter['createHistogram']> & Bindable<RecordHandle>;
}

/** Creates the observable instrument of `def` on `meter`. */
export function createObservableFor(meter: ApiMeter, def: MetricDefinition) {
  if (def.kind === 'observablegauge') return meter.createObservableGauge(def.name, options(def));
  if (def.kind === 'observablecounter') return meter.createObservableCounter(def.name, options(def));
  return meter.createObservableUpDownCounter(def.name, options(def));
}

/** Every metric this package ships, grouped by meter set; the README table is generated from it. */
export const METRIC_CATALOGUE: readonly { readonly set: string; readonly metrics: readonly MetricDefinition[] }[] = Object.freeze([
  Object.freeze({ set: `${COORDINATOR_CATALOG.title.toLowerCase()} (${COORDINATOR_CATALOG.createdBy})`, metrics: COORDINATOR_METRICS }),
  Object.freeze({ set: `${SERVICE_HEALTH_CATALOG.title.toLowerCase()} (${SERVICE_HEALTH_CATALOG.createdBy})`, metrics: SERVICE_HEALTH_METRICS }),
]);
