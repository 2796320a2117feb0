import type { MetricDefinition } from '../catalogue.js';
import type { InstrumentDeclaration } from './declaration.js';

/**
 * The flat view of a catalog instrument the meter sets and the docs table use: attributes as a
 * list, a closed set listed with its overflow value last (`fast, planner, hgnn, other`).
 */
export function toMetricDefinition(d: InstrumentDeclaration): MetricDefinition {
  const attributes = Object.entries(d.attributes ?? {}).map(([key, a]) =>
    Object.freeze({ key, values: typeof a.values === 'string' ? a.values : Object.freeze(a.overflow === undefined ? [...a.values] : [...a.values, a.overflow]) }),
  );
  const out: { -readonly [K in keyof MetricDefinition]: MetricDefinition[K] } = { name: d.name, kind: d.kind, unit: d.unit, description: d.description, attributes: Object.freeze(attributes) };
  if (d.boundaries !== undefined) out.boundaries = d.boundaries;
  return Object.freeze(out);
}
