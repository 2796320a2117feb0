import type { AnyInstrumentStorage, MetricsView } from '@otelkit/metrics';
import { escapeHelp, goFloat, openMetricsFloat } from './escape.js';
import { labelCacheOf, type LabelCache } from './label-cache.js';
import { expositionWarn, joinPairs, scopePairs, type LabelPair } from './labels.js';
import { openMetricsFamilyName, prometheusMetricName, prometheusType, prometheusUnit, type PrometheusType } from './naming.js';

/** What never changes between scrapes for one instrument: its scope labels and bucket strings. */
export interface InstrumentPlan {
  readonly storage: AnyInstrumentStorage;
  /** Its series' label lists (kept across plan rebuilds: one per instrument). */
  readonly labels: LabelCache;
  readonly type: PrometheusType;
  /** Only synchronous counters and histograms carry exemplars. */
  readonly exemplars: boolean;
  /** Scope label pairs (for the slow path of a colliding attribute); empty when scope labels are off. */
  readonly scope: readonly LabelPair[];
  /** Escaped `otel_scope_name="…",…`, or '' when scope labels are off. */
  readonly scopeList: string;
  readonly boundaries: readonly number[];
  /** Per bucket, `le="<bound>"} ` in text 0.0.4 form, `+Inf` last. */
  readonly leText: readonly string[];
  /** Per bucket, `le="<bound>"} ` in OpenMetrics canonical form. */
  readonly leOpenMetrics: readonly string[];
}

/** One Prometheus metric family: possibly several instruments (scopes) with the same name and type. */
export interface FamilyPlan {
  /** Sample name: a counter's ends in `_total`; a histogram's is the base of `_bucket`/`_count`/`_sum`. */
  readonly name: string;
  readonly type: PrometheusType;
  /** `# HELP` + `# TYPE` lines for text 0.0.4. */
  readonly textHeader: string;
  /** `# HELP` + `# TYPE` (+ `# UNIT`) lines for OpenMetrics 1.0. */
  readonly openMetricsHeader: string;
  readonly instruments: InstrumentPlan[];
}

export interface ExpositionPlan {
  readonly families: readonly FamilyPlan[];
  /** `store.instruments.length` when built: instruments are only ever appended. */
  readonly instrumentCount: number;
}

/** Names that a family's samples and OpenMetrics family name occupy in one exposition. */
function occupiedNames(name: string, type: PrometheusType): string[] {
  // `_created` is reserved even though otelkit never writes it: OpenMetrics parsers give it to
  // the counter / histogram family, so a gauge named `<family>_created` makes the scrape invalid.
  if (type === 'counter') {
    const family = openMetricsFamilyName(name, type);
    return [family, name, family + '_created'];
  }
  if (type === 'histogram') return [name, name + '_bucket', name + '_count', name + '_sum', name + '_created'];
  return [name];
}

/** target_info (text) and target (OpenMetrics info family) are taken when target_info is written. */
const TARGET_INFO_NAMES = ['target', 'target_info'];

function headers(name: string, type: PrometheusType, description: string, unit: string, otelName: string): { text: string; openMetrics: string } {
  const family = openMetricsFamilyName(name, type);
  let text = '';
  let om = '';
  // Every family gets a HELP line: `promtool check metrics` reports "no help text" otherwise.
  // Without a description, the OpenTelemetry instrument name stands in (it says where the
  // family comes from, which the sanitized Prometheus name may no longer show).
  const help = description !== '' ? description : otelName;
  text += '# HELP ' + name + ' ' + escapeHelp(help, false) + '\n';
  om += '# HELP ' + family + ' ' + escapeHelp(help, true) + '\n';
  text += '# TYPE ' + name + ' ' + type + '\n';
  om += '# TYPE ' + family + ' ' + type + '\n';
  // Prometheus rejects an OpenMetrics scrape whose UNIT is not the family name's suffix.
  if (unit !== '' && family.endsWith('_' + unit)) om += '# UNIT ' + family + ' ' + unit + '\n';
  return { text, openMetrics: om };
}

function instrumentPlan(s: AnyInstrumentStorage, type: PrometheusType, scopeLabels: boolean): InstrumentPlan {
  const scope = scopeLabels ? scopePairs(s.scope) : [];
  const boundaries = type === 'histogram' ? s.descriptor.boundaries : [];
  const leText: string[] = [];
  const leOpenMetrics: string[] = [];
  if (type === 'histogram') {
    for (const b of boundaries) {
      leText.push('le="' + goFloat(b) + '"} ');
      leOpenMetrics.push('le="' + openMetricsFloat(b) + '"} ');
    }
    leText.push('le="+Inf"} ');
    leOpenMetrics.push('le="+Inf"} ');
  }
  return {
    storage: s,
    labels: labelCacheOf(s),
    type,
    exemplars: s.descriptor.kind === 'counter' || s.descriptor.kind === 'histogram',
    scope,
    scopeList: joinPairs(scope),
    boundaries,
    leText,
    leOpenMetrics,
  };
}

/**
 * Groups instruments into families (rare path: rebuilt only when an instrument is added).
 * Same Prometheus name and type → one family (the first description wins, per the spec's "drop
 * all but one HELP"); same name with another type, or samples that would collide with another
 * family's (`x_count` gauge vs histogram `x`), → the later instrument is dropped with one warning.
 * https://opentelemetry.io/docs/specs/otel/compatibility/prometheus_and_openmetrics/#metric-metadata-1
 */
export function buildExpositionPlan(store: MetricsView, scopeLabels: boolean, targetInfo: boolean): ExpositionPlan {
  const families: FamilyPlan[] = [];
  const byName = new Map<string, FamilyPlan>();
  const occupied = new Map<string, string>();
  if (targetInfo) for (const n of TARGET_INFO_NAMES) occupied.set(n, 'target_info');
  const instruments = store.instruments;
  for (const s of instruments) {
    const d = s.descriptor;
    const type = prometheusType(d.kind);
    const name = prometheusMetricName(d.name, d.unit, d.kind);
    const existing = byName.get(name);
    if (existing !== undefined) {
      if (existing.type === type) {
        existing.instruments.push(instrumentPlan(s, type, scopeLabels));
        continue;
      }
      expositionWarn.warn(
        `type-conflict:${name}:${s.scope.name}:${d.name}`,
        `instrument "${d.name}" (scope "${s.scope.name}") maps to Prometheus family "${name}" already exposed as a ${existing.type}; its ${type} series are not exposed`,
      );
      continue;
    }
    const names = occupiedNames(name, type);
    const clash = names.find((n) => occupied.has(n));
    if (clash !== undefined) {
      expositionWarn.warn(
        `name-clash:${name}:${s.scope.name}:${d.name}`,
        `instrument "${d.name}" (scope "${s.scope.name}") maps to Prometheus ${type} "${name}" whose name "${clash}" is already used by family "${occupied.get(clash)}"; its series are not exposed`,
      );
      continue;
    }
    for (const n of names) occupied.set(n, name);
    const h = headers(name, type, d.description, prometheusUnit(d.unit, d.kind), d.name);
    const fam: FamilyPlan = { name, type, textHeader: h.text, openMetricsHeader: h.openMetrics, instruments: [instrumentPlan(s, type, scopeLabels)] };
    byName.set(name, fam);
    families.push(fam);
  }
  return { families, instrumentCount: instruments.length };
}

const plans = new WeakMap<MetricsView, (ExpositionPlan | undefined)[]>();

/** The cached plan for a store and option set, rebuilt when instruments were added. */
export function expositionPlan(store: MetricsView, scopeLabels: boolean, targetInfo: boolean): ExpositionPlan {
  let byOptions = plans.get(store);
  if (byOptions === undefined) {
    byOptions = [undefined, undefined, undefined, undefined];
    plans.set(store, byOptions);
  }
  const slot = (scopeLabels ? 1 : 0) + (targetInfo ? 2 : 0);
  let plan = byOptions[slot];
  if (plan === undefined || plan.instrumentCount !== store.instruments.length) {
    plan = buildExpositionPlan(store, scopeLabels, targetInfo);
    byOptions[slot] = plan;
  }
  return plan;
}
