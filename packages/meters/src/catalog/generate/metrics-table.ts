import type { MetricDefinition } from '../../catalogue.js';
import { labelName, metricName, promType } from './promql.js';

const KIND: Record<MetricDefinition['kind'], string> = {
  counter: 'Counter',
  updowncounter: 'UpDownCounter',
  histogram: 'Histogram',
  gauge: 'Gauge',
  observablecounter: 'ObservableCounter',
  observableupdowncounter: 'ObservableUpDownCounter',
  observablegauge: 'ObservableGauge',
};

function cell(s: string): string {
  return s.replace(/\|/g, '\\|');
}

function attributes(d: MetricDefinition): string {
  if (d.attributes.length === 0) return '—';
  return d.attributes
    .map((a) => {
      const label = labelName(a.key);
      const name = label === a.key ? `\`${a.key}\`` : `\`${a.key}\` (label \`${label}\`)`;
      const values = typeof a.values === 'string' ? a.values : a.values.map((v) => `\`${v}\``).join(', ');
      return `${name}: ${values}`;
    })
    .join('<br>');
}

/** The markdown metrics table, one section per group (meter set), from the catalog definitions. */
export function renderMetricsTable(groups: readonly { readonly set: string; readonly metrics: readonly MetricDefinition[] }[]): string {
  const lines: string[] = [];
  for (const group of groups) {
    lines.push(`**${group.set}**`, '');
    lines.push('| OTel name | Prometheus name | OTel instrument → Prometheus type | unit | attributes and allowed values | meaning |');
    lines.push('|---|---|---|---|---|---|');
    for (const d of group.metrics) {
      const prom = metricName({ ...d, attributes: {} });
      const type = promType({ ...d, attributes: {} });
      const promNames = type === 'histogram' ? `\`${prom}_bucket\`, \`_sum\`, \`_count\`` : `\`${prom}\``;
      const buckets = d.boundaries ? `<br>buckets ${d.boundaries.join(', ')}` : '';
      lines.push(`| \`${d.name}\` | ${promNames} | ${KIND[d.kind]} → ${type} | ${d.unit === '' ? '—' : `\`${cell(d.unit)}\``} | ${cell(attributes(d))} | ${cell(d.description)}${buckets} |`);
    }
    lines.push('');
  }
  return lines.join('\n').trimEnd();
}
