import { diag, DiagLogLevel, type Attributes, type DiagLogger } from '@opentelemetry/api';
import type { GaugeCell, HistogramCell, InstrumentStorage, MetricStore, SumCell } from '@otelkit/metrics';

/** Collects diag warnings for the duration of a test. */
export function captureDiag(): { messages: string[]; restore: () => void } {
  const messages: string[] = [];
  const logger: DiagLogger = {
    error: (m) => messages.push(m),
    warn: (m) => messages.push(m),
    info: () => {},
    debug: () => {},
    verbose: () => {},
  };
  diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  return { messages, restore: () => diag.disable() };
}

export function storage(store: MetricStore, name: string): InstrumentStorage {
  const s = store.instruments.find((i) => i.descriptor.name === name);
  if (s === undefined) throw new Error(`no instrument ${name}; have ${store.instruments.map((i) => i.descriptor.name).join(', ')}`);
  return s;
}

/** `[attributes, value]` of every exported series of a sum or gauge instrument. */
export function values(store: MetricStore, name: string): [Attributes, number][] {
  return storage(store, name)
    .exportCells()
    .map((c) => [{ ...c.attributes }, (c as SumCell | GaugeCell).value]);
}

/** The value of the series with exactly `attrs`, or undefined. */
export function value(store: MetricStore, name: string, attrs: Attributes): number | undefined {
  const want = JSON.stringify(Object.entries(attrs).sort());
  const hit = values(store, name).find(([a]) => JSON.stringify(Object.entries(a).sort()) === want);
  return hit?.[1];
}

export function histogram(store: MetricStore, name: string, attrs: Attributes): HistogramCell | undefined {
  const want = JSON.stringify(Object.entries(attrs).sort());
  return storage(store, name)
    .exportCells()
    .find((c) => JSON.stringify(Object.entries(c.attributes).sort()) === want) as HistogramCell | undefined;
}
