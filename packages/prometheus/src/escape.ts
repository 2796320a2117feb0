/**
 * Escaping and number formatting shared by the text 0.0.4 and OpenMetrics 1.0 serializers.
 * These run on the rare path (once per series, family or boundary), never per sample.
 */

/**
 * Label value escaping, identical in both formats: `\` → `\\`, `"` → `\"`, LF → `\n`.
 * https://prometheus.io/docs/instrumenting/exposition_formats/#text-format-details
 * https://github.com/prometheus/OpenMetrics/blob/v1.0.0/specification/OpenMetrics.md#escaping
 */
export function escapeLabelValue(v: string): string {
  let i = 0;
  for (; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 92 || c === 34 || c === 10) break;
  }
  if (i === v.length) return v;
  let out = v.slice(0, i);
  for (; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 92) out += '\\\\';
    else if (c === 34) out += '\\"';
    else if (c === 10) out += '\\n';
    else out += v[i];
  }
  return out;
}

/**
 * HELP text: text 0.0.4 escapes `\` and LF only (a `\"` there would be shown literally);
 * OpenMetrics escapes `"` too.
 */
export function escapeHelp(v: string, openMetrics: boolean): string {
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 92) out += '\\\\';
    else if (c === 10) out += '\\n';
    else if (c === 34 && openMetrics) out += '\\"';
    // A bare CR would end the line for some parsers: every line ends with LF only.
    else if (c === 13) out += ' ';
    else out += v[i];
  }
  return out;
}

/**
 * A float the way Go's `strconv.FormatFloat(f, 'g', -1, 64)` writes it, which is what
 * client_golang (and so the Collector's exporter) puts in `le`: shortest round-trip digits,
 * exponent form when the exponent is < -4 or >= 6 (`1e-05`, `1e+06`, `0.25`, `1000`).
 * Prometheus 2.x stores `le` as the literal string, so the same bucket must be spelled the same
 * way as the Collector's text exposition to be the same series.
 */
export function goFloat(v: number): string {
  if (v !== v) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  // client_golang `writeFloat` special-cases zero (so -0 is written `0` too).
  if (v === 0) return '0';
  const e = v.toExponential(); // shortest digits: "d.ddde+x"
  const at = e.indexOf('e');
  const exp = Number(e.slice(at + 1));
  if (exp < -4 || exp >= 6) {
    const sign = exp < 0 ? '-' : '+';
    const abs = exp < 0 ? -exp : exp;
    return e.slice(0, at) + 'e' + sign + (abs < 10 ? '0' + abs : String(abs));
  }
  // In [1e-4, 1e6) JavaScript's own shortest form is already positional.
  return String(v);
}

/**
 * OpenMetrics canonical float (`le` in OpenMetrics): Go 'g' form, with `.0` added when it would
 * otherwise read as an integer (`1.0`, `0.25`, `1e-05`), as client_golang `writeOpenMetricsFloat`.
 */
export function openMetricsFloat(v: number): string {
  const s = goFloat(v);
  if (v !== v || v === Infinity || v === -Infinity) return s;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46 || c === 101) return s;
  }
  return s + '.0';
}

/** Sample value: `NaN`, `+Inf`, `-Inf` spelled as both formats require; otherwise JS shortest form. */
export function formatValue(v: number): string {
  if (v !== v) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return '' + v;
}

/**
 * A number attribute as a label value. OTLP carries JS integers as intValue and the rest as
 * doubleValue; the Collector's `pcommon.Value.AsString` prints doubles with
 * `strconv.FormatFloat(f, 'f', -1, 64)` — positional, never exponent form.
 */
export function attributeNumber(n: number): string {
  const s = String(n);
  if (s.indexOf('e') < 0) return s;
  const neg = n < 0;
  const e = (neg ? -n : n).toExponential();
  const at = e.indexOf('e');
  const exp = Number(e.slice(at + 1));
  const digits = e.slice(0, at).replace('.', '');
  let out: string;
  if (exp < 0) out = '0.' + '0'.repeat(-exp - 1) + digits;
  else if (digits.length <= exp + 1) out = digits + '0'.repeat(exp + 1 - digits.length);
  else out = digits.slice(0, exp + 1) + '.' + digits.slice(exp + 1);
  return neg ? '-' + out : out;
}
