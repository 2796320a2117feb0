import { join } from 'node:path';
import { loadDashboards, substitute, type TemplateVariable } from './dashboard-queries.js';
import type { RulesPrometheus } from './rules-prometheus.js';

/**
 * The scrape jobs, named after the services' `service.name`: the Collector's exporter (scraped
 * with honor_labels) names them the same, so one `$job` value selects a service on both paths.
 */
export const JOBS = { coordinator: 'coordinator', worker: 'pulse-worker' } as const;

/** Variables a dashboard may have that never appear in a query expression. */
const NOT_IN_QUERIES = new Set(['datasource', 'trace_datasource', 'job', 'instance']);

const finite = (v: string): boolean => v !== 'NaN' && v !== '+Inf' && v !== '-Inf';

/** The recording rules loaded in `prom` whose record name has no series with a finite value now. */
export async function checkRecordingRules(prom: RulesPrometheus): Promise<string[]> {
  const records = (await prom.rules()).filter((r) => r.type === 'recording');
  if (records.length === 0) throw new Error('no recording rule is loaded');
  const empty: string[] = [];
  for (const r of records) {
    const series = await prom.query(r.name);
    if (!series.some((s) => finite(s.value[1]))) empty.push(`${r.name} = ${r.query} → ${series.length === 0 ? 'no series' : 'only NaN / Inf'}`);
  }
  return empty;
}

/** Values of a query variable (`label_values(metric, label)` or `label_values(label)`) in `prom`. */
async function variableValues(prom: RulesPrometheus, v: TemplateVariable, job: string): Promise<string> {
  const q = typeof v.query === 'string' ? v.query : (v.query?.query ?? v.definition ?? '');
  const m = /^label_values\((?:(.+),\s*)?([A-Za-z_][A-Za-z0-9_]*)\)$/.exec(q.trim());
  if (m === null) throw new Error(`variable $${v.name}: cannot resolve its query ${JSON.stringify(q)}`);
  const params: Record<string, string> = {};
  if (m[1] !== undefined) params['match[]'] = substitute(m[1], job);
  const values = await prom.api<string[]>(`label/${m[2]}/values`, params);
  if (v.includeAll && v.allValue) return v.allValue;
  // Grafana writes a multi-value selection into a regex matcher as (a|b).
  return v.multi || v.includeAll ? `(${values.join('|')})` : (values[0] ?? '');
}

export interface DashboardReport {
  checked: number;
  /** `file › panel › refId: expr` of each query that returned no finite sample for any job. */
  readonly empty: string[];
  /** Targets that ask for exemplars and found none. */
  readonly withoutExemplars: string[];
  /** Targets that ask for exemplars. */
  exemplarTargets: number;
}

/**
 * Runs every panel query of every dashboard in `<monitoring>/dashboards` with the variables
 * substituted per the contract, once per scraped job: a query passes when some job's run returns
 * a finite sample (a dashboard's `$job` dropdown shows each job; a coordinator panel has data for
 * the coordinator job, a runtime panel for both).
 */
export async function checkDashboards(prom: RulesPrometheus, monitoring: string, jobs: readonly string[] = Object.values(JOBS)): Promise<DashboardReport> {
  const report: DashboardReport = { checked: 0, empty: [], withoutExemplars: [], exemplarTargets: 0 };
  const now = Date.now() / 1000;
  for (const d of loadDashboards(join(monitoring, 'dashboards'))) {
    const custom = d.variables.filter((v) => !NOT_IN_QUERIES.has(v.name));
    for (const q of d.queries) {
      report.checked++;
      let data = false;
      let exemplars = 0;
      const tried: string[] = [];
      for (const job of jobs) {
        const values: Record<string, string> = {};
        for (const v of custom) values[v.name] = await variableValues(prom, v, job);
        const expr = substitute(q.expr, job, values);
        tried.push(expr);
        const r = await prom.query(expr);
        if (r.some((s) => finite(s.value[1]))) data = true;
        if (q.exemplar) {
          const ex = await prom.api<{ exemplars: { labels: Record<string, string> }[] }[]>('query_exemplars', { query: expr, start: String(now - 600), end: String(now + 60) }).catch(() => []);
          exemplars += ex.flatMap((s) => s.exemplars).filter((e) => /^[0-9a-f]{32}$/.test(e.labels.trace_id ?? '')).length;
        }
        if (data && (!q.exemplar || exemplars > 0)) break;
      }
      const where = `${q.dashboard} › ${q.panel} › ${q.refId}`;
      if (!data) report.empty.push(`${where}: ${tried.join('  |  ')}`);
      if (q.exemplar) {
        // Every target that asks for exemplars must get them: the generator asks only where the
        // catalog says the instrument is recorded in spans (not GC: `recordedInSpans: false`).
        if (exemplars === 0) report.withoutExemplars.push(`${where}: ${q.expr}`);
        report.exemplarTargets++;
      }
    }
  }
  return report;
}
