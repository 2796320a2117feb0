import type { Attributes, Meter as ApiMeter, MetricOptions, ObservableResult } from '@opentelemetry/api';
import { describeValue, WarnOnce } from '@otelkit/metrics';
import { MetersConfigError } from '../errors.js';
import type { AttributesOf, CatalogDeclaration, InstrumentDeclaration, InstrumentDeclarations } from './declaration.js';
import { validateCatalog } from './validate-catalog.js';

type AttrArgs<D extends InstrumentDeclaration> = Record<never, never> extends AttributesOf<D> ? [attributes?: AttributesOf<D>] : [attributes: AttributesOf<D>];

/** A counter or up-down counter whose attributes are checked against the catalog. */
export interface CatalogCounter<D extends InstrumentDeclaration> {
  readonly declaration: D;
  add(value: number, ...attributes: AttrArgs<D>): void;
}

/** A histogram or gauge whose attributes are checked against the catalog. */
export interface CatalogRecorder<D extends InstrumentDeclaration> {
  readonly declaration: D;
  record(value: number, ...attributes: AttrArgs<D>): void;
}

/** An observable instrument: the callback observes values with checked attributes. */
export interface CatalogObservable<D extends InstrumentDeclaration> {
  readonly declaration: D;
  /** Adds a callback run at each collection; returns a function that removes it. */
  observe(callback: (observe: (value: number, ...attributes: AttrArgs<D>) => void) => void): () => void;
}

export type CatalogInstrument<D extends InstrumentDeclaration> = D['kind'] extends 'counter' | 'updowncounter'
  ? CatalogCounter<D>
  : D['kind'] extends 'histogram' | 'gauge'
    ? CatalogRecorder<D>
    : CatalogObservable<D>;

/** The instruments of a catalog, by the catalog's keys. */
export type CatalogInstruments<I extends InstrumentDeclarations> = { readonly [K in keyof I]: CatalogInstrument<I[K]> };

function options(d: InstrumentDeclaration): MetricOptions {
  const o: MetricOptions = { description: d.description, unit: d.unit };
  if (d.boundaries !== undefined) o.advice = { explicitBucketBoundaries: [...d.boundaries] };
  return o;
}

/**
 * Turns caller attributes into the recorded ones: a closed attribute outside its values becomes
 * its `overflow` value, or, without one, drops the measurement; both with one warning per
 * instrument and attribute (recording never throws).
 */
function checker(warn: WarnOnce, d: InstrumentDeclaration): (attrs: Attributes | undefined) => Attributes | undefined {
  const closed: [string, Set<string>, string | undefined][] = [];
  for (const [key, a] of Object.entries(d.attributes ?? {})) if (typeof a.values !== 'string') closed.push([key, new Set(a.values), a.overflow]);
  if (closed.length === 0) return (attrs) => attrs ?? {};
  return (attrs) => {
    let out = attrs ?? {};
    for (const [key, allowed, overflow] of closed) {
      const v = out[key];
      if (v === undefined && d.attributes![key]!.optional === true) continue;
      if (typeof v === 'string' && allowed.has(v)) continue;
      if (overflow === undefined) {
        warn.warn(`unknown-value:${d.name}:${key}`, `${d.name}: attribute "${key}" got ${describeValue(v)}, which is not one of ${[...allowed].join(', ')}; the measurement was dropped`);
        return undefined;
      }
      warn.warn(`unknown-value:${d.name}:${key}`, `${d.name}: attribute "${key}" got ${describeValue(v)}, which is not one of ${[...allowed].join(', ')}; recorded as "${overflow}"`);
      out = { ...out, [key]: overflow };
    }
    return out;
  };
}

function finite(warn: WarnOnce, d: InstrumentDeclaration, value: unknown): value is number {
  if (typeof value === 'number' && Number.isFinite(value)) return true;
  warn.warn(`bad-value:${d.name}`, `${d.name}: value ${describeValue(value)} is not a finite number; dropped`);
  return false;
}

/**
 * Creates every instrument of `catalog` on `meter`, typed by the catalog: an attribute value
 * outside its declared values does not compile (and, from untyped code, is recorded as the
 * attribute's `overflow` value or dropped, with one warning). Validates the catalog first
 * (a {@link MetersConfigError} naming the field).
 * @example
 * const m = createCatalogInstruments(tel.meter('checkout'), checkout);
 * m.orders.add(1, { outcome: 'ok' });
 */
export function createCatalogInstruments<I extends InstrumentDeclarations>(meter: ApiMeter, catalog: CatalogDeclaration<I>): CatalogInstruments<I> {
  if (meter === null || typeof meter !== 'object' || typeof meter.createCounter !== 'function') {
    throw new MetersConfigError('createCatalogInstruments', 'meter', 'must be a Meter', "tel.meter('checkout')");
  }
  validateCatalog(catalog);
  const warn = new WarnOnce('otelkit/meters');
  const out: Record<string, unknown> = {};
  for (const [key, d] of Object.entries(catalog.instruments)) {
    const check = checker(warn, d);
    switch (d.kind) {
      case 'counter':
      case 'updowncounter': {
        const c = d.kind === 'counter' ? meter.createCounter(d.name, options(d)) : meter.createUpDownCounter(d.name, options(d));
        out[key] = {
          declaration: d,
          add: (value: number, attrs?: Attributes) => {
            const a = check(attrs);
            if (a !== undefined && finite(warn, d, value)) c.add(value, a);
          },
        };
        break;
      }
      case 'histogram':
      case 'gauge': {
        const h = d.kind === 'histogram' ? meter.createHistogram(d.name, options(d)) : meter.createGauge(d.name, options(d));
        out[key] = {
          declaration: d,
          record: (value: number, attrs?: Attributes) => {
            const a = check(attrs);
            if (a !== undefined && finite(warn, d, value)) h.record(value, a);
          },
        };
        break;
      }
      default: {
        const o =
          d.kind === 'observablecounter'
            ? meter.createObservableCounter(d.name, options(d))
            : d.kind === 'observablegauge'
              ? meter.createObservableGauge(d.name, options(d))
              : meter.createObservableUpDownCounter(d.name, options(d));
        out[key] = {
          declaration: d,
          observe: (callback: (observe: (value: number, attrs?: Attributes) => void) => void) => {
            const cb = (result: ObservableResult): void => {
              try {
                callback((value, attrs) => {
                  const a = check(attrs);
                  if (a !== undefined && finite(warn, d, value)) result.observe(value, a);
                });
              } catch (e) {
                warn.warn(`callback-failed:${d.name}`, `${d.name}: the observe callback threw (${e instanceof Error ? e.message : typeof e}); skipped`);
              }
            };
            o.addCallback(cb);
            return () => o.removeCallback(cb);
          },
        };
      }
    }
  }
  return out as CatalogInstruments<I>;
}
