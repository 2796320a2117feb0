import type { Attributes } from '@opentelemetry/api';
import { WarnOnce } from '@otelkit/metrics';
import { anyValueLabel } from './any-value-label.js';
import { escapeLabelValue } from './escape.js';
import { HISTOGRAM_BUCKET_LABEL, prometheusLabelName, RENAMED_BUCKET_LABEL } from './naming.js';

/** One diagnostic per kind for everything the exposition drops or renames. */
export const expositionWarn = new WarnOnce('otelkit/prometheus');

/** Labels the spec adds for the instrumentation scope. */
export const SCOPE_LABEL_NAMES: ReadonlySet<string> = new Set(['otel_scope_name', 'otel_scope_version', 'otel_scope_schema_url']);

/**
 * The labels of a series whose attributes map onto a scope label name (an attribute
 * `otel.scope.name`): with scope labels on, such a series takes the slow path that joins both
 * values; without, `attributeLabels` is its label list.
 */
export interface ScopeCollidingLabels {
  readonly kind: 'scope-colliding';
  readonly attributeLabels: string;
}

/**
 * The escaped attribute label list of a series (no braces, no scope labels): a plain string in
 * the common case, identical for both formats.
 */
export type AttributeLabels = string | ScopeCollidingLabels;

/** A label before escaping: its Prometheus name, the original key (for ordering) and raw value. */
export interface LabelPair {
  readonly name: string;
  readonly key: string;
  readonly value: string;
}

/** An attribute value (any AnyValue) as a label value: see {@link anyValueLabel}. */
export function attributeValueString(v: unknown): string {
  return anyValueLabel(v);
}

const nameMemo = new Map<string, string | undefined>();

/**
 * Whether the label string of `attrs` could equal another attribute set's: only when some value
 * is not a well-formed string (`200` and `"200"` print alike, lone surrogates become U+FFFD) or
 * some key is not already its own label name (sanitizing and joining lose information). For
 * string-only sets of valid keys the label string is injective.
 */
export function labelsMayCollide(attrs: Attributes): boolean {
  for (const key in attrs) {
    const v = attrs[key];
    if (typeof v !== 'string' || !(v as string & { isWellFormed(): boolean }).isWellFormed()) return true;
    if (labelNameOf(key) !== key || key === HISTOGRAM_BUCKET_LABEL || SCOPE_LABEL_NAMES.has(key)) return true;
  }
  return false;
}

/** Memoised {@link prometheusLabelName}: attribute keys are few and repeat across series. */
function labelNameOf(key: string): string | undefined {
  if (nameMemo.has(key)) return nameMemo.get(key);
  const n = prometheusLabelName(key);
  if (nameMemo.size > 10_000) nameMemo.clear();
  nameMemo.set(key, n);
  return n;
}

/**
 * Label pairs of an attribute set, ordered by original key. On a histogram an attribute named
 * `le` becomes `exported_le` (see {@link RENAMED_BUCKET_LABEL}); keys that leave no valid label
 * name are dropped with one warning.
 */
export function attributePairs(attrs: Attributes, histogram: boolean, owner = ''): LabelPair[] {
  const keys = Object.keys(attrs).sort();
  const out: LabelPair[] = [];
  for (const key of keys) {
    const v = attrs[key];
    if (v === undefined || v === null) continue;
    let name = labelNameOf(key);
    if (name === undefined) {
      // One warning per instrument, not per key: keys built from user data must not grow the warnings.
      expositionWarn.warn(`label-name:${owner}`, `${owner}: attribute ${JSON.stringify(key)} has no valid Prometheus label name left after sanitizing; it is not exposed (further such keys are not reported)`);
      continue;
    }
    if (histogram && name === HISTOGRAM_BUCKET_LABEL) {
      expositionWarn.warn(`le-rename:${owner}`, `${owner}: attribute ${JSON.stringify(key)} on a histogram is exposed as label "${RENAMED_BUCKET_LABEL}": "le" is the bucket bound`);
      name = RENAMED_BUCKET_LABEL;
    }
    out.push({ name, key, value: attributeValueString(v) });
  }
  return out;
}

/**
 * `name="value",…` for a list of pairs. Keys that collide after sanitizing (`http.method` and
 * `http_method`) become one label whose values are joined with `;` in the lexicographic order of
 * the original keys — never two labels with one name.
 * https://opentelemetry.io/docs/specs/otel/compatibility/prometheus_and_openmetrics/#metric-attributes
 */
export function joinPairs(pairs: readonly LabelPair[]): string {
  let collide = false;
  for (let i = 1; i < pairs.length && !collide; i++) {
    for (let j = 0; j < i; j++) {
      if (pairs[i]!.name === pairs[j]!.name) {
        collide = true;
        break;
      }
    }
  }
  let out = '';
  if (!collide) {
    for (const p of pairs) out += (out === '' ? '' : ',') + p.name + '="' + escapeLabelValue(p.value) + '"';
    return out;
  }
  const sorted = [...pairs].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const joined = new Map<string, string[]>();
  for (const p of sorted) {
    const list = joined.get(p.name);
    if (list === undefined) joined.set(p.name, [p.value]);
    else list.push(p.value);
  }
  for (const [name, values] of joined) out += (out === '' ? '' : ',') + name + '="' + escapeLabelValue(values.join(';')) + '"';
  return out;
}

/**
 * The escaped attribute label list of a series (no braces, no scope labels); the exposition
 * writer computes it on the series' first scrape and keeps it (label-cache.ts).
 */
export function attributeLabels(attrs: Attributes, histogram: boolean, owner: string): AttributeLabels {
  // Common case first: keys already sorted and already valid label names. Distinct keys that
  // each map to themselves cannot collide, so no pairs or grouping are needed.
  let fast = '';
  let prev = '';
  let simple = true;
  for (const key in attrs) {
    const v = attrs[key];
    if (key < prev || v === undefined || v === null || labelNameOf(key) !== key || (histogram && key === HISTOGRAM_BUCKET_LABEL) || SCOPE_LABEL_NAMES.has(key)) {
      simple = false;
      break;
    }
    prev = key;
    fast += (fast === '' ? '' : ',') + key + '="' + escapeLabelValue(typeof v === 'string' ? v : attributeValueString(v)) + '"';
  }
  if (simple) return wellFormed(fast);
  const pairs = attributePairs(attrs, histogram, owner);
  const s = wellFormed(joinPairs(pairs));
  for (const p of pairs) if (SCOPE_LABEL_NAMES.has(p.name)) return { kind: 'scope-colliding', attributeLabels: s };
  return s;
}

type WellFormedString = string & { isWellFormed(): boolean; toWellFormed(): string };

/**
 * Lone UTF-16 surrogates become U+FFFD, as UTF-8 encoding would make them anyway: done here so
 * that two values that only differ in lone surrogates are seen as one label set before they are
 * written (the strict OpenMetrics parser rejects the duplicate; found by the hostile-input run).
 */
function wellFormed(s: string): string {
  const w = s as WellFormedString;
  return w.isWellFormed() ? s : w.toWellFormed();
}

/** Scope label pairs; empty version and schema URL are left out (Prometheus drops empty labels anyway). */
export function scopePairs(scope: { name: string; version?: string; schemaUrl?: string }): LabelPair[] {
  const out: LabelPair[] = [{ name: 'otel_scope_name', key: 'otel_scope_name', value: scope.name }];
  if (scope.version) out.push({ name: 'otel_scope_version', key: 'otel_scope_version', value: scope.version });
  if (scope.schemaUrl) out.push({ name: 'otel_scope_schema_url', key: 'otel_scope_schema_url', value: scope.schemaUrl });
  return out;
}

/** Slow path for a series whose attributes collide with scope labels: one label list with joined values. */
export function mergedScopeLabels(attrs: Attributes, histogram: boolean, scope: readonly LabelPair[], owner: string): string {
  return joinPairs([...attributePairs(attrs, histogram, owner), ...scope]);
}
