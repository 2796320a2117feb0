import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';

/** The repository's committed `monitoring/` directory. */
export const MONITORING = fileURLToPath(new URL('../../../../monitoring/', import.meta.url));
export const REPO = fileURLToPath(new URL('../../../../', import.meta.url));

export function filesIn(sub: string, ext: string): string[] {
  return readdirSync(MONITORING + sub)
    .filter((f) => f.endsWith(ext))
    .sort()
    .map((f) => `${MONITORING}${sub}/${f}`);
}

export function yaml<T>(path: string): T {
  return load(readFileSync(path, 'utf8')) as T;
}

export interface RuleFile {
  groups: { name: string; rules: { alert?: string; record?: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }[] }[];
}

export interface TestFile {
  rule_files: string[];
  tests: {
    name?: string;
    input_series: { series: string; values: string }[];
    alert_rule_test?: { eval_time: string; alertname: string; exp_alerts?: { exp_labels?: Record<string, string>; exp_annotations?: Record<string, string> }[] }[];
  }[];
}
