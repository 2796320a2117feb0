import { ValueType, type HrTime } from '@opentelemetry/api';
import { defaultResource, type Resource } from '@opentelemetry/resources';
import type {
  AggregationTemporality,
  CollectionResult,
  DataPoint,
  DataPointType,
  Histogram as SdkHistogram,
  InstrumentType,
  MetricCollectOptions,
  MetricData,
  MetricProducer as SdkMetricProducer,
  ResourceMetrics,
  ScopeMetrics,
} from '@opentelemetry/sdk-metrics';
import { histogramExemplars, sumExemplars } from './exemplar-reservoir.js';
import type { AnyInstrumentStorage } from './instrument-storage.js';
import type { MetricStore, MetricsView } from './store.js';
import type { Exemplar, InstrumentKind } from './types.js';

/** A data point as sdk-metrics defines it, plus the exemplars sdk-metrics cannot carry. */
export type DataPointWithExemplars<T> = DataPoint<T> & { exemplars?: Exemplar[] };

/*
 * sdk-metrics' enum values, written out: importing the enums themselves loaded all of
 * sdk-metrics at startup (53 modules, 20-30 ms of every process start: bench/NOTES.md) for three
 * constants. Only types are imported from it; test/producer-enums.test.ts checks these values
 * against the enums of the installed sdk-metrics.
 */
const CUMULATIVE = 1 as AggregationTemporality.CUMULATIVE;
const HISTOGRAM_POINTS = 0 as DataPointType.HISTOGRAM;
const GAUGE_POINTS = 2 as DataPointType.GAUGE;
const SUM_POINTS = 3 as DataPointType.SUM;

const INSTRUMENT_TYPE = {
  counter: 'COUNTER',
  updowncounter: 'UP_DOWN_COUNTER',
  histogram: 'HISTOGRAM',
  gauge: 'GAUGE',
  observablecounter: 'OBSERVABLE_COUNTER',
  observableupdowncounter: 'OBSERVABLE_UP_DOWN_COUNTER',
  observablegauge: 'OBSERVABLE_GAUGE',
} as unknown as Readonly<Record<InstrumentKind, InstrumentType>>;

/** `@opentelemetry/core`'s millisToHrTime, the same arithmetic (core itself is not needed here). */
function millisToHrTime(epochMillis: number): HrTime {
  return [Math.trunc(epochMillis / 1e3), Math.round((epochMillis % 1e3) * 1e6)];
}

function toMetricData(s: AnyInstrumentStorage, end: HrTime): MetricData | undefined {
  const d = s.descriptor;
  const descriptor = {
    name: d.name,
    description: d.description,
    unit: d.unit,
    valueType: d.integer ? ValueType.INT : ValueType.DOUBLE,
    type: INSTRUMENT_TYPE[d.kind],
    advice: {},
  };
  // Like the Prometheus exposition: an instrument without series in this collection is left out.
  switch (s.kind) {
    case 'histogram': {
      const cells = s.exportCells();
      if (cells.length === 0) return undefined;
      const dataPoints = cells.map((c): DataPointWithExemplars<SdkHistogram> => {
        const p: DataPointWithExemplars<SdkHistogram> = {
          startTime: millisToHrTime(c.startTimeMs),
          endTime: end,
          attributes: c.attributes,
          value: {
            buckets: { boundaries: d.boundaries as number[], counts: c.counts.slice() },
            sum: c.sum,
            count: c.count,
            min: c.count > 0 ? c.min : undefined,
            max: c.count > 0 ? c.max : undefined,
          },
        };
        const ex = histogramExemplars(c);
        if (ex !== undefined) p.exemplars = ex;
        return p;
      });
      return { descriptor, aggregationTemporality: CUMULATIVE, dataPointType: HISTOGRAM_POINTS, dataPoints };
    }
    case 'sum': {
      const cells = s.exportCells();
      if (cells.length === 0) return undefined;
      const dataPoints = cells.map((c): DataPointWithExemplars<number> => {
        const p: DataPointWithExemplars<number> = { startTime: millisToHrTime(c.startTimeMs), endTime: end, attributes: c.attributes, value: c.value };
        const ex = d.kind === 'counter' ? sumExemplars(c) : undefined;
        if (ex !== undefined) p.exemplars = ex;
        return p;
      });
      return {
        descriptor,
        aggregationTemporality: CUMULATIVE,
        dataPointType: SUM_POINTS,
        isMonotonic: d.kind === 'counter' || d.kind === 'observablecounter',
        dataPoints,
      };
    }
    default: {
      const cells = s.exportCells();
      if (cells.length === 0) return undefined;
      const dataPoints = cells.map((c): DataPoint<number> => ({ startTime: millisToHrTime(c.startTimeMs), endTime: end, attributes: c.attributes, value: c.value }));
      return { descriptor, aggregationTemporality: CUMULATIVE, dataPointType: GAUGE_POINTS, dataPoints };
    }
  }
}

/**
 * Hands the store's cells to sdk-metrics readers (PeriodicExportingMetricReader and any other
 * MetricReader) through the official MetricProducer extension point. Cumulative temporality.
 */
export class MetricProducer implements SdkMetricProducer {
  readonly #store: MetricStore;
  readonly #resource: Resource;

  constructor(store: MetricStore, resource?: Resource) {
    this.#store = store;
    this.#resource = resource ?? defaultResource();
  }

  /** One collection of the store (callbacks, read, end of the exemplar cycle). */
  async collect(options?: MetricCollectOptions): Promise<CollectionResult> {
    const { result, errors } = await this.#store.collect((view) => toResourceMetrics(view, this.#resource), { timeoutMs: options?.timeoutMillis });
    return { resourceMetrics: result, errors };
  }

  /** The same collection without awaiting anything: for the process 'exit' path. */
  collectSync(): CollectionResult {
    const { result, errors } = this.#store.collectSync((view) => toResourceMetrics(view, this.#resource));
    return { resourceMetrics: result, errors };
  }
}

/**
 * The series of a collection as sdk-metrics ResourceMetrics, grouped by scope. Pure: call it
 * inside `store.collect()` (as {@link MetricProducer} does), which runs the callbacks and ends the
 * exemplar cycle around it.
 */
export function toResourceMetrics(view: MetricsView, resource: Resource): ResourceMetrics {
  const end = millisToHrTime(Date.now());
  const byScope = new Map<string, ScopeMetrics>();
  for (const s of view.instruments) {
    const md = toMetricData(s, end);
    if (md === undefined) continue;
    const key = `${s.scope.name}\u0000${s.scope.version ?? ''}\u0000${s.scope.schemaUrl ?? ''}`;
    let sm = byScope.get(key);
    if (sm === undefined) {
      sm = { scope: { name: s.scope.name, version: s.scope.version, schemaUrl: s.scope.schemaUrl }, metrics: [] };
      byScope.set(key, sm);
    }
    sm.metrics.push(md);
  }
  return { resource, scopeMetrics: [...byScope.values()] };
}
