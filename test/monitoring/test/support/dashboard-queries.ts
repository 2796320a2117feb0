import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One PromQL target of one panel of a generated dashboard. */
export interface PanelQuery {
  readonly dashboard: string;
  readonly panel: string;
  readonly panelType: string;
  readonly refId: string;
  readonly expr: string;
  /** The target asks Grafana for exemplars (heatmaps and latency panels). */
  readonly exemplar: boolean;
}

interface Panel {
  title?: string;
  type?: string;
  targets?: { expr?: string; refId?: string; exemplar?: boolean; hide?: boolean }[];
  panels?: Panel[];
}

interface Dashboard {
  title?: string;
  uid?: string;
  panels?: Panel[];
  templating?: { list?: TemplateVariable[] };
}

/** A Grafana template variable (the fields this suite reads). */
export interface TemplateVariable {
  name: string;
  type: string;
  query?: string | { query?: string };
  definition?: string;
  multi?: boolean;
  includeAll?: boolean;
  allValue?: string | null;
}

export interface DashboardFile {
  readonly file: string;
  readonly title: string;
  readonly variables: readonly TemplateVariable[];
  readonly queries: readonly PanelQuery[];
}

/** Every panel target of every `*.json` dashboard in `dir`, rows' nested panels included. */
export function loadDashboards(dir: string): DashboardFile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const d = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Dashboard;
      const queries: PanelQuery[] = [];
      const walk = (panels: Panel[] | undefined): void => {
        for (const p of panels ?? []) {
          for (const t of p.targets ?? []) {
            if (typeof t.expr !== 'string' || t.expr.trim() === '') continue;
            queries.push({ dashboard: file, panel: p.title ?? '(untitled)', panelType: p.type ?? '?', refId: t.refId ?? '?', expr: t.expr, exemplar: t.exemplar === true });
          }
          walk(p.panels);
        }
      };
      walk(d.panels);
      return { file, title: d.title ?? file, variables: d.templating?.list ?? [], queries };
    });
}

/**
 * Substitutes Grafana's variables in `expr` the way the contract between the generator and this
 * suite says: `$job` → the scraped job, `$instance` → `.+` (the dashboards match it with `=~`),
 * `$__rate_interval` → `1m`, `$__interval` → `15s`, `$__range` → `5m`; any other variable from
 * `values`. Both `$name` and `${name}` / `${name:format}` forms. Throws on a variable it cannot
 * fill, so a new variable cannot slip by unfilled.
 */
export function substitute(expr: string, job: string, values: Readonly<Record<string, string>> = {}): string {
  const builtins: Record<string, string> = {
    job,
    instance: '.+',
    __rate_interval: '1m',
    __interval: '15s',
    __range: '5m',
    ...values,
  };
  return expr.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::[^}]*)?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (m, braced: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare!;
    const v = builtins[name];
    if (v === undefined) throw new Error(`no value for the variable ${m} in ${expr}`);
    return v;
  });
}
