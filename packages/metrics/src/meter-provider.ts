import { createNoopMeter, diag, type Meter as ApiMeter, type MeterOptions, type MeterProvider as ApiMeterProvider } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import { Meter, type BoundariesSelector } from './meter.js';
import { MetricStore, type MetricStoreOptions } from './store.js';

export interface MeterProviderOptions extends MetricStoreOptions {
  /** Shared with the TracerProvider by `initTelemetry()`. */
  readonly resource?: Resource;
  /** Histogram boundaries by instrument name, taking precedence over the instrument's advice. */
  readonly histogramBoundaries?: BoundariesSelector;
}

/**
 * An `@opentelemetry/api` MeterProvider whose instruments keep one cell per series, with
 * exemplars. Exporters read its {@link MetricStore}; sdk-metrics readers read it through
 * {@link MetricProducer}.
 */
export class MeterProvider implements ApiMeterProvider {
  readonly store: MetricStore;
  readonly resource: Resource | undefined;
  readonly #meters = new Map<string, Meter>();
  readonly #boundaries: BoundariesSelector | undefined;
  #shutdown = false;

  constructor(options: MeterProviderOptions = {}) {
    this.store = new MetricStore(options);
    this.resource = options.resource;
    this.#boundaries = options.histogramBoundaries;
  }

  getMeter(name: string, version?: string, options?: MeterOptions): Meter {
    // https://opentelemetry.io/docs/specs/otel/metrics/sdk/#meter-creation
    if (this.#shutdown) {
      diag.warn('A shutdown MeterProvider cannot provide a Meter');
      return createNoopMeter() as unknown as Meter;
    }
    // Anything but strings is ignored: a scope version of another type once broke every scrape.
    const scopeName = typeof name === 'string' && name.length > 0 ? name : 'unknown';
    const scopeVersion = typeof version === 'string' ? version : undefined;
    const schemaUrl = typeof options?.schemaUrl === 'string' ? options.schemaUrl : undefined;
    const key = `${scopeName}\u0000${scopeVersion ?? ''}\u0000${schemaUrl ?? ''}`;
    let meter = this.#meters.get(key);
    if (meter === undefined) {
      meter = new Meter(this.store, { name: scopeName, version: scopeVersion, schemaUrl }, this.#boundaries);
      this.#meters.set(key, meter);
    }
    return meter;
  }

  /** After shutdown, new meters are no-ops; existing instruments keep their data for a last export. */
  shutdown(): void {
    this.#shutdown = true;
  }

  get isShutdown(): boolean {
    return this.#shutdown;
  }
}

export type { ApiMeter };
