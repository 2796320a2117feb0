import { prometheusLabelName, prometheusMetricName, prometheusType } from '@otelkit/prometheus';
import type { CatalogDeclaration, InstrumentDeclaration, SeriesRef } from '../declaration.js';

/** Prometheus metric name of a catalog instrument (the exposition's naming, suffixes included). */
export function metricName(d: InstrumentDeclaration): string {
  return prometheusMetricName(d.name, d.unit, d.kind);
}

export function promType(d: InstrumentDeclaration): 'counter' | 'gauge' | 'histogram' {
  return prometheusType(d.kind);
}

/** Prometheus label name of an attribute key (`db.client.connection.state` → `db_client_connection_state`). */
export function labelName(key: string): string {
  return prometheusLabelName(key) ?? key;
}

/** A PromQL string literal (double-quoted; RE2 escapes doubled). */
export function quote(s: string): string {
  return JSON.stringify(s);
}

/** RE2-escapes a literal. */
export function regexEscape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A matcher for the bucket `le` of `bound`: Prometheus 3 writes `le` of classic histograms as a
 * float (`10.0`), Prometheus 2 and the exposition keep what was scraped (`10`), so match both.
 */
export function leMatcher(bound: number): string {
  const plain = String(bound);
  const float = Number.isInteger(bound) ? `${bound}.0` : plain;
  const alts = [...new Set([plain, float])].map(regexEscape);
  return `le=~${quote(alts.join('|'))}`;
}

/** The instrument a ref points to. */
export function resolve(catalog: CatalogDeclaration, ref: SeriesRef<CatalogDeclaration['instruments']>): InstrumentDeclaration {
  return catalog.instruments[ref.instrument]!;
}

/** Matchers of a ref's `match` (one value: `=`, several: `=~`). */
export function matchers(ref: { readonly match?: Readonly<Record<string, unknown>> } | undefined): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(ref?.match ?? {})) {
    const vs = (Array.isArray(v) ? v : [v]) as string[];
    out.push(vs.length === 1 ? `${labelName(k)}=${quote(vs[0]!)}` : `${labelName(k)}=~${quote(vs.map(regexEscape).join('|'))}`);
  }
  return out;
}

/** `name{a="b", …}`, or the bare name without matchers. */
export function series(name: string, ms: readonly string[]): string {
  const list = ms.filter((m) => m.length > 0);
  return list.length === 0 ? name : `${name}{${list.join(', ')}}`;
}

/** `sum by (a, b) (x)`, or `sum(x)` without labels. */
export function agg(op: string, by: readonly string[], expr: string): string {
  return by.length === 0 ? `${op}(${expr})` : `${op} by (${by.join(', ')}) (${expr})`;
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

export function durationSeconds(d: string): number {
  const m = /^([0-9]+)(s|m|h|d)$/.exec(d);
  if (m === null) throw new Error(`not a duration: ${d}`);
  return Number(m[1]) * UNIT_SECONDS[m[2]!]!;
}

/** The shortest exact Prometheus duration of `seconds` (`3600` → `1h`, `90` → `90s`). */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  for (const [u, n] of [['d', 86400], ['h', 3600], ['m', 60]] as const) if (s > 0 && s % n === 0) return `${s / n}${u}`;
  return `${s}s`;
}

/** A number as PromQL writes it, without float noise (`14.4 * 0.01` → `0.144`). */
export function num(x: number): string {
  return String(Number(x.toPrecision(12)));
}

/** PascalCase of a title or camelCase id (`Service Health` → `ServiceHealth`). */
export function pascal(s: string): string {
  return s
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w.length > 0)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
}

/** snake_case of an id (`remoteRouting` → `remote_routing`, `service-health` → `service_health`). */
export function snake(s: string): string {
  return s
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toLowerCase();
}
