/**
 * The typed metrics catalog: one declaration per meter set names every instrument (name, kind,
 * unit, description, attributes and their allowed values) and says what the instruments mean for
 * dashboards and alerts (which counter is the error count of which request count, which histogram
 * is the latency of what, the SLO objectives, what a healthy queue or pool looks like).
 *
 * The meter sets create their instruments from these declarations, and the generators
 * (`@otelkit/meters/catalog`: Grafana dashboards, Prometheus rules, promtool tests, the docs table)
 * read the same objects, so a metric cannot be renamed in code without its dashboards and alerts
 * following.
 */

/** The instrument kinds of the OpenTelemetry metrics API. */
export type CatalogInstrumentKind =
  | 'counter'
  | 'updowncounter'
  | 'histogram'
  | 'gauge'
  | 'observablecounter'
  | 'observableupdowncounter'
  | 'observablegauge';

export interface AttributeDeclaration {
  /**
   * The closed set of allowed values (a literal tuple: the typed instruments accept only these), or
   * a sentence describing an open but bounded set (a configuration value, caller values up to a
   * limit).
   */
  readonly values: readonly string[] | string;
  /** The value recorded instead of one outside the closed set (`other`, `_OTHER`). */
  readonly overflow?: string;
  /** The attribute may be absent from a series (e.g. `error.type` on a success). */
  readonly optional?: boolean;
  readonly description?: string;
}

export interface InstrumentDeclaration {
  /** OpenTelemetry instrument name (dotted). */
  readonly name: string;
  readonly kind: CatalogInstrumentKind;
  /** UCUM unit: `s`, `By`, `{task}`; `''` when the instrument sets none. */
  readonly unit: string;
  readonly description: string;
  /** Attribute key → declaration, in documentation order. */
  readonly attributes?: { readonly [key: string]: AttributeDeclaration };
  /** Histogram bucket upper bounds (advice), in the instrument's unit. */
  readonly boundaries?: readonly number[];
  /**
   * `false`: recorded outside any span (GC pauses, a runtime sampler), so its measurements never
   * carry exemplars and its dashboard heatmap does not ask for them. Default: recorded where a
   * request's or a task's span may be active.
   */
  readonly recordedInSpans?: boolean;
}

/** The instruments of one catalog, by a key of the author's choosing (`executionTasks`). */
export type InstrumentDeclarations = { readonly [key: string]: InstrumentDeclaration };

type ValuesOf<A> = A extends { readonly values: infer V } ? (V extends readonly (infer E extends string)[] ? E : string) : string;
type OptionalKeys<R> = { [K in keyof R]: R[K] extends { readonly optional: true } ? K : never }[keyof R];
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/**
 * The attributes an instrument accepts: each closed attribute is the literal union of its allowed
 * values (a wrong value is a compile error), an open one is `string`; optional ones may be left out.
 */
export type AttributesOf<I extends InstrumentDeclaration> = I extends { readonly attributes: infer R }
  ? Simplify<{ readonly [K in Exclude<keyof R, OptionalKeys<R>>]: ValuesOf<R[K]> } & { readonly [K in OptionalKeys<R>]?: ValuesOf<R[K]> }>
  : Record<never, never>;

/** The allowed values of attribute `K` of instrument `I`. */
export type AttributeValue<I extends InstrumentDeclaration, K extends keyof NonNullable<I['attributes']>> = ValuesOf<NonNullable<I['attributes']>[K]>;

/** A selection of series of instrument `K`: attribute → one value or any of several. */
export type SeriesMatch<I extends InstrumentDeclarations, K extends keyof I> = {
  readonly [A in keyof AttributesOf<I[K]>]?: NonNullable<AttributesOf<I[K]>[A]> | readonly NonNullable<AttributesOf<I[K]>[A]>[];
};

/** Some series of one instrument of the catalog. */
export type SeriesRef<I extends InstrumentDeclarations> = {
  [K in keyof I & string]: { readonly instrument: K; readonly match?: SeriesMatch<I, K> };
}[keyof I & string];

/** Keys of the instruments of one kind. */
export type KeysOfKind<I extends InstrumentDeclarations, Kind extends CatalogInstrumentKind> = {
  [K in keyof I & string]: I[K]['kind'] extends Kind ? K : never;
}[keyof I & string];

/** A Prometheus duration: `30s`, `5m`, `1h`, `3d`. */
export type Duration = `${number}${'s' | 'm' | 'h' | 'd'}`;

/**
 * Requests of something (tasks, dispatches, cycles): their count, which of them failed, how long
 * they took, and the service-level objectives the alerts defend.
 */
export interface RequestIndicator<I extends InstrumentDeclarations = InstrumentDeclarations> {
  /** Names the indicator in rule, alert and panel names: `execution` → `CoordinatorExecution…`. */
  readonly id: string;
  readonly title: string;
  /** Every request (a counter; with `match`, only those series). */
  readonly total?: SeriesRef<I>;
  /** The failed requests: usually the same counter with `match` on the outcome attribute. */
  readonly errors?: SeriesRef<I>;
  /** The latency histogram of these requests (seconds). */
  readonly latency?: SeriesRef<I>;
  /** Attributes to break panels down by (dashboards only; SLO rules aggregate per job). */
  readonly by?: readonly string[];
  /** Extra labels the SLO is evaluated per, besides `job` (e.g. `service`). */
  readonly sloBy?: readonly string[];
  readonly slo?: {
    /** Fraction of requests that must succeed, e.g. 0.99; error budget = 1 - availability. */
    readonly availability?: number;
    /** Fraction `objective` of requests must finish within `thresholdSeconds` (a bucket bound). */
    readonly latency?: { readonly thresholdSeconds: number; readonly objective: number };
  };
}

/** A queue whose depth is a gauge: healthy when it drains, not when it only grows. */
export interface QueueIndicator<I extends InstrumentDeclarations = InstrumentDeclarations> {
  readonly id: string;
  readonly title: string;
  readonly depth: SeriesRef<I>;
  /** Labels that identify one queue (beside job and instance). */
  readonly by: readonly string[];
  /** A healthy queue stays at or under `maxDepth`, or does not grow for `growingFor`. */
  readonly healthy: { readonly maxDepth: number; readonly growingFor: Duration };
}

/** A connection pool: healthy while it has idle connections and nobody waits long. */
export interface PoolIndicator<I extends InstrumentDeclarations = InstrumentDeclarations> {
  readonly id: string;
  readonly title: string;
  /** Connections by state (a gauge with a state attribute). */
  readonly connections: SeriesRef<I>;
  readonly stateAttribute: string;
  readonly idleState: string;
  readonly usedState: string;
  /** Requests waiting for a connection. */
  readonly pending: SeriesRef<I>;
  /** Labels that identify one pool (beside job and instance). */
  readonly by: readonly string[];
  /** Alert when exhausted (no idle, clients waiting) or anyone waits for this long. */
  readonly healthy: { readonly waitingFor: Duration };
}

/** An exporter of the SDK itself: failing when its exports keep failing. */
export interface ExporterIndicator<I extends InstrumentDeclarations = InstrumentDeclarations> {
  readonly id: string;
  readonly title: string;
  /** Exports by outcome (success / failure). */
  readonly exports: SeriesRef<I>;
  /** Failed exports since the last success (a gauge). */
  readonly consecutiveFailures: SeriesRef<I>;
  readonly dropped?: SeriesRef<I>;
  readonly by: readonly string[];
  readonly healthy: { readonly maxConsecutiveFailures: number; readonly failingFor: Duration };
}

/** A gauge that must stay under a bound (event-loop delay, heap use). */
export interface ThresholdIndicator<I extends InstrumentDeclarations = InstrumentDeclarations> {
  readonly id: string;
  readonly title: string;
  readonly gauge: SeriesRef<I>;
  readonly by: readonly string[];
  readonly max: number;
  readonly for: Duration;
  readonly severity: 'warning' | 'critical';
}

/** One meter set's catalog. */
export interface CatalogDeclaration<I extends InstrumentDeclarations = InstrumentDeclarations> {
  /** File name of the generated files (`monitoring/dashboards/<id>.json`): `[a-z][a-z0-9-]*`. */
  readonly id: string;
  /** Human name, also the alert-name prefix when written in PascalCase (`Coordinator`). */
  readonly title: string;
  readonly description?: string;
  /** The function that creates the set, for the docs (`createCoordinatorMeters`). */
  readonly createdBy?: string;
  /** How the instruments come to exist: `meter-set` (this package), `instrumentation` (upstream). */
  readonly source?: 'meter-set' | 'instrumentation' | 'telemetry';
  readonly instruments: I;
  /** A series present whenever the set is in use: its absence fires `<Title>MetricsAbsent`. */
  readonly presence?: SeriesRef<I>;
  readonly requests?: readonly RequestIndicator<I>[];
  readonly queues?: readonly QueueIndicator<I>[];
  readonly pools?: readonly PoolIndicator<I>[];
  readonly exporters?: readonly ExporterIndicator<I>[];
  readonly thresholds?: readonly ThresholdIndicator<I>[];
}

/**
 * Declares a catalog. Typing only (returns its argument frozen): the `const` type parameter keeps
 * every allowed value as a literal, so the instruments made from it and the indicators that point
 * into it are checked by the compiler.
 * @example
 * export const checkout = defineCatalog({
 *   id: 'checkout', title: 'Checkout',
 *   instruments: {
 *     orders: { name: 'checkout.orders', kind: 'counter', unit: '{order}', description: 'Orders, by outcome.',
 *       attributes: { outcome: { values: ['ok', 'failed'] } } },
 *   },
 *   requests: [{ id: 'orders', title: 'Orders', total: { instrument: 'orders' },
 *     errors: { instrument: 'orders', match: { outcome: 'failed' } }, slo: { availability: 0.99 } }],
 * });
 */
export function defineCatalog<const I extends InstrumentDeclarations>(catalog: CatalogDeclaration<I>): CatalogDeclaration<I> {
  return deepFreeze(catalog);
}

function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === 'object' && !Object.isFrozen(o)) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/**
 * Any catalog, whatever its instruments: what the generators accept (a `CatalogDeclaration<I>`
 * of a specific `I` is not assignable to the default `CatalogDeclaration`, whose indicator refs
 * would then name any key).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCatalog = CatalogDeclaration<any>;
