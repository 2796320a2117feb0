import type { Attributes, SpanContext } from '@opentelemetry/api';

export type InstrumentKind =
  | 'counter'
  | 'updowncounter'
  | 'histogram'
  | 'gauge'
  | 'observablecounter'
  | 'observableupdowncounter'
  | 'observablegauge';

/** https://opentelemetry.io/docs/specs/otel/metrics/sdk/#exemplarfilter */
export type ExemplarFilter = 'trace_based' | 'always_on' | 'always_off';

export const EXEMPLAR_FILTERS: readonly ExemplarFilter[] = ['trace_based', 'always_on', 'always_off'];

export interface InstrumentDescriptor {
  readonly name: string;
  readonly description: string;
  /** UCUM unit as given by the instrument (`s`, `By`, `{task}`, `1`). */
  readonly unit: string;
  readonly kind: InstrumentKind;
  /** True when values are integers (ValueType.INT): non-integers are truncated. */
  readonly integer: boolean;
  /** Explicit bucket upper bounds, sorted, finite, unique (histograms only). */
  readonly boundaries: readonly number[];
}

export interface InstrumentationScope {
  readonly name: string;
  readonly version?: string;
  readonly schemaUrl?: string;
}

/**
 * A sampled measurement kept next to an aggregate.
 * https://opentelemetry.io/docs/specs/otel/metrics/data-model/#exemplars
 */
export interface Exemplar {
  readonly value: number;
  /** Unix epoch, milliseconds. */
  readonly timeMs: number;
  /** 32 lowercase hex characters, or '' when recorded outside a span (always_on). */
  readonly traceId: string;
  /** 16 lowercase hex characters, or ''. */
  readonly spanId: string;
  /** Attributes the data point dropped (none: otelkit keeps every attribute on the point). */
  readonly filteredAttributes: Attributes;
}

export type { Attributes, SpanContext };
