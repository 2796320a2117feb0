import type { GeneratedAlert, InputSeries } from './rules.js';
import { toYaml, type Yaml } from './yaml.js';

/** Renders `{{ $labels.x }}` of an annotation template for the expected alert of a test. */
export function renderTemplate(template: string, labels: Readonly<Record<string, string>>): string {
  return template.replace(/\{\{\s*\$labels\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_, k: string) => labels[k] ?? '');
}

function inputs(series: readonly InputSeries[]): Yaml {
  return series.map((s) => ({ series: s.series, values: s.values }));
}

/**
 * promtool unit tests of one rule file: for every alert, one test where its scenario fires it
 * (exact labels and annotations) and one where healthy series keep it quiet.
 * https://prometheus.io/docs/prometheus/latest/configuration/unit_testing_rules/
 */
export function generatePromtoolTests(ruleFile: string, alerts: readonly GeneratedAlert[], header: readonly string[]): string {
  const tests: Yaml[] = [];
  for (const a of alerts) {
    const labels = { ...a.scenario.labels, ...a.rule.labels };
    const annotations = Object.fromEntries(Object.entries(a.rule.annotations).map(([k, v]) => [k, renderTemplate(v, labels)]));
    tests.push({
      name: `${a.rule.alert} fires`,
      interval: '1m',
      input_series: inputs(a.scenario.fire),
      alert_rule_test: [{ eval_time: a.scenario.evalTime, alertname: a.rule.alert, exp_alerts: [{ exp_labels: labels, exp_annotations: annotations }] }],
    });
    tests.push({
      name: `${a.rule.alert} stays quiet when healthy`,
      interval: '1m',
      input_series: inputs(a.scenario.healthy),
      alert_rule_test: [{ eval_time: a.scenario.evalTime, alertname: a.rule.alert, exp_alerts: [] }],
    });
  }
  return toYaml({ rule_files: [ruleFile], evaluation_interval: '1m', tests }, header);
}
