import type { InstrumentKind } from '@otelkit/metrics';

/**
 * OpenTelemetry → Prometheus names.
 *
 * Spec: https://opentelemetry.io/docs/specs/otel/compatibility/prometheus_and_openmetrics/#otlp-metric-points-to-prometheus
 * Parity target: the Collector's `prometheus` exporter with default settings
 * (`translation_strategy` unset → UnderscoreEscapingWithSuffixes). Its
 * exporter/prometheusexporter/collector.go builds names with github.com/prometheus/otlptranslator:
 * `configureMetricNamer` → `MetricNamer{WithMetricSuffixes: true, UTF8Allowed: false}`,
 * `configureLabelNamer` → `LabelNamer{PreserveMultipleUnderscores: !PermissiveLabelSanitization}`.
 * otlptranslator took its code from contrib's pkg/translator/prometheus (normalize_name.go,
 * normalize_label.go, normalize_unit.go — same unit tables, same `_total` / `_ratio` rules). The
 * functions below follow otlptranslator metric_namer.go (`normalizeName`, `addUnitTokens`),
 * unit_namer.go (`buildUnitSuffixes`, `cleanUpUnit`) and strconv.go (`sanitizeLabelName`), read at
 * commit 51da773. The gate `pkg.translator.prometheus.PermissiveLabelSanitization` is beta (on) in
 * contrib's current metadata.yaml, so runs of `_` in label names collapse, as the spec says
 * (Collector builds where the gate was still alpha keep `a__b`). Deviations are marked "Deviation".
 */

/** The Prometheus metric type an instrument kind is exposed as. */
export type PrometheusType = 'counter' | 'gauge' | 'histogram';

/**
 * Counter / ObservableCounter are cumulative monotonic sums → counter; UpDownCounter and its
 * observable twin are non-monotonic sums, which the spec exposes as gauges; histograms stay histograms.
 * https://opentelemetry.io/docs/specs/otel/compatibility/prometheus_and_openmetrics/#sums
 */
export function prometheusType(kind: InstrumentKind): PrometheusType {
  switch (kind) {
    case 'counter':
    case 'observablecounter':
      return 'counter';
    case 'histogram':
      return 'histogram';
    default:
      return 'gauge';
  }
}

// otlptranslator metric_namer.go `unitMap` (same table as contrib normalize_unit.go).
const UNIT_WORDS: Readonly<Record<string, string>> = {
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tibibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '1': '',
  '%': 'percent',
};

// otlptranslator metric_namer.go `perUnitMap`: the denominator of a rate is singular ("per_second").
const PER_UNIT_WORDS: Readonly<Record<string, string>> = {
  s: 'second',
  m: 'minute',
  h: 'hour',
  d: 'day',
  w: 'week',
  mo: 'month',
  y: 'year',
};

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

function isMetricChar(c: number): boolean {
  // [a-zA-Z0-9:] — `_` is a separator here, so runs of it collapse when tokens are re-joined.
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 58;
}

function isLabelChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Splits on every character outside [a-zA-Z0-9:], dropping empty tokens (Go `strings.FieldsFunc`). */
function metricTokens(s: string): string[] {
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i < s.length; i++) {
    if (isMetricChar(s.charCodeAt(i))) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      out.push(s.slice(start, i));
      start = -1;
    }
  }
  if (start >= 0) out.push(s.slice(start));
  return out;
}

/** unit_namer.go `cleanUpUnit`: invalid characters → `_`, runs collapsed, leading `_` trimmed. */
function cleanUpUnit(unit: string): string {
  let out = '';
  let prevUnderscore = false;
  for (const ch of unit) {
    const c = ch.charCodeAt(0);
    if (ch.length === 1 && isMetricChar(c)) {
      out += ch;
      prevUnderscore = false;
    } else if (!prevUnderscore) {
      out += '_';
      prevUnderscore = true;
    }
  }
  return out.startsWith('_') ? out.slice(1) : out;
}

/**
 * unit_namer.go `buildUnitSuffixes`: the main unit and the `per_<unit>` part of a UCUM unit.
 * Parts in curly braces (`{request}`) are annotations and dropped.
 */
function unitSuffixes(unit: string): { main: string; per: string } {
  const slash = unit.indexOf('/');
  const mainRaw = (slash < 0 ? unit : unit.slice(0, slash)).trim();
  const perRaw = slash < 0 ? '' : unit.slice(slash + 1);
  let main = '';
  let per = '';
  if (mainRaw !== '' && !/[{}]/.test(mainRaw)) main = hasOwn(UNIT_WORDS, mainRaw) ? UNIT_WORDS[mainRaw]! : mainRaw;
  if (perRaw !== '') {
    const p = perRaw.trim();
    if (p !== '' && !/[{}]/.test(p)) per = hasOwn(PER_UNIT_WORDS, p) ? PER_UNIT_WORDS[p]! : p;
    if (per !== '') per = 'per_' + per;
  }
  return { main: cleanUpUnit(main), per: cleanUpUnit(per) };
}

/**
 * The Prometheus unit word for an instrument (`s` → `seconds`, `By/s` → `bytes_per_second`,
 * `{request}` → ''), as used for the OpenMetrics `# UNIT` line. A gauge with unit `1` is a
 * `ratio` (its name gets the `_ratio` suffix); `1` on any other kind has no unit.
 * Follows otlptranslator unit_namer.go `UnitNamer.Build`.
 */
export function prometheusUnit(unit: string, kind: InstrumentKind): string {
  if (unit === '1') return prometheusType(kind) === 'gauge' && !isSum(kind) ? 'ratio' : '';
  const { main, per } = unitSuffixes(unit);
  let u = main !== '' && per !== '' ? main + '_' + per : main !== '' ? main : per;
  if (u.startsWith('_')) u = u.slice(1);
  if (u.endsWith('_')) u = u.slice(0, -1);
  return u;
}

function isSum(kind: InstrumentKind): boolean {
  return kind === 'updowncounter' || kind === 'observableupdowncounter';
}

/**
 * Prometheus metric name of an OpenTelemetry instrument, as the Collector's `prometheus` exporter
 * writes it by default (otlptranslator metric_namer.go `normalizeName`):
 * - characters outside `[a-zA-Z0-9:]` become `_`, runs of `_` collapse, leading/trailing `_` go;
 * - the unit word is appended unless the name already has it as a token (`http.server.duration`
 *   + `s` → `http_server_duration_seconds`; `process.cpu.seconds` + `s` stays), then `per_<unit>`;
 * - monotonic sums get `_total` (every other `total` token is removed first);
 * - gauges with unit `1` get `_ratio` (only OTel Gauges: UpDownCounters are sums);
 * - a leading digit gets a `_` prefix.
 * Nothing else is ever removed from a name: a gauge `queue.total` is `queue_total`, as the
 * Collector writes it (otelkit used to drop that trailing `total`, so the two paths showed the
 * same gauge under two names; promtool's lint still calls `_total` on a gauge a counter name, but
 * that is the instrument's own name, not a suffix otelkit added).
 */
export function prometheusMetricName(name: string, unit: string, kind: InstrumentKind): string {
  let tokens = metricTokens(name);
  const { main, per } = unitSuffixes(unit);
  // addUnitTokens
  let mainSuffix = tokens.includes(main) ? '' : main;
  let perSuffix = per;
  if (perSuffix === 'per_') perSuffix = '';
  else {
    if (perSuffix.endsWith('_')) perSuffix = perSuffix.slice(0, -1);
    if (tokens.includes(perSuffix)) perSuffix = '';
  }
  if (perSuffix !== '' && mainSuffix.endsWith('_')) mainSuffix = mainSuffix.slice(0, -1);
  if (mainSuffix !== '') tokens.push(mainSuffix);
  if (perSuffix !== '') tokens.push(perSuffix);

  const type = prometheusType(kind);
  if (type === 'counter') {
    tokens = tokens.filter((t) => t !== 'total');
    // Deviation: a counter named only `total` would be `total` (Collector), which has no family
    // name in OpenMetrics; `total_total` keeps the `<family>_total` shape.
    if (tokens.length === 0) tokens.push('total');
    tokens.push('total');
  } else if (unit === '1' && type === 'gauge' && !isSum(kind)) {
    tokens = tokens.filter((t) => t !== 'ratio');
    tokens.push('ratio');
  }

  let out = tokens.join('_');
  if (out === '') return '_';
  if (isDigit(out.charCodeAt(0))) out = '_' + out;
  return out;
}

/**
 * The family name used by OpenMetrics `# TYPE` / `# HELP` / `# UNIT`: a counter's name without `_total`.
 * https://github.com/prometheus/OpenMetrics/blob/v1.0.0/specification/OpenMetrics.md#counter-1
 */
export function openMetricsFamilyName(metricName: string, type: PrometheusType): string {
  return type === 'counter' && metricName.endsWith('_total') ? metricName.slice(0, -6) : metricName;
}

/**
 * Prometheus label name of an attribute key, or undefined when nothing usable is left (a key made
 * only of invalid characters, such as `.`): the caller drops that attribute.
 * otlptranslator strconv.go `sanitizeLabelName` + label_namer.go `Build` with the Collector's
 * default (PermissiveLabelSanitization on → PreserveMultipleUnderscores off):
 * - characters outside `[a-zA-Z0-9]` become `_`, runs of `_` collapse (`a..b` → `a_b`);
 * - a leading digit gets `key_` (`2xx` → `key_2xx`);
 * - a single leading `_` is kept (`_private` stays).
 * Deviation: otlptranslator keeps a key of the form `__x__` verbatim (a reserved label); here it
 * collapses like any other key (`__name__` → `_name_`), so an attribute can never overwrite
 * `__name__` or start with the reserved `__` prefix.
 */
export function prometheusLabelName(key: string): string | undefined {
  let out = '';
  let prevUnderscore = false;
  let fast = key.length > 0 && !isDigit(key.charCodeAt(0));
  for (let i = 0; i < key.length && fast; i++) {
    const c = key.charCodeAt(i);
    if (c === 95) {
      if (prevUnderscore) fast = false;
      prevUnderscore = true;
    } else if (isLabelChar(c)) prevUnderscore = false;
    else fast = false;
  }
  if (fast) return onlyUnderscores(key) ? undefined : key;
  prevUnderscore = false;
  for (const ch of key) {
    if (ch.length === 1 && isLabelChar(ch.charCodeAt(0))) {
      out += ch;
      prevUnderscore = false;
    } else if (!prevUnderscore) {
      out += '_';
      prevUnderscore = true;
    }
  }
  if (out === '' || onlyUnderscores(out)) return undefined;
  if (isDigit(out.charCodeAt(0))) out = 'key_' + out;
  return out;
}

function onlyUnderscores(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) !== 95) return false;
  return true;
}

/** The label Prometheus reserves for a histogram bucket's upper bound. */
export const HISTOGRAM_BUCKET_LABEL = 'le';

/**
 * What an attribute whose label name is `le` becomes on a histogram: without the rename the
 * bucket lines would carry two `le` labels and Prometheus rejects the whole scrape. `exported_`
 * is the prefix Prometheus itself uses when a scraped label clashes with a target label.
 */
export const RENAMED_BUCKET_LABEL = 'exported_le';
