import { expect } from 'chai';
import type { InstrumentKind } from '@otelkit/metrics';
import { openMetricsFamilyName, prometheusLabelName, prometheusMetricName, prometheusType, prometheusUnit } from '../src/index.js';

// Expected values follow github.com/prometheus/otlptranslator metric_namer_test.go /
// label_namer_test.go (the code behind the Collector's `prometheus` exporter) where a case
// exists there; the rest are the OTel compatibility spec's rules applied by hand.
describe('naming', () => {
  describe('prometheusMetricName', () => {
    const table: [name: string, unit: string, kind: InstrumentKind, expected: string, why: string][] = [
      ['requests', '', 'counter', 'requests_total', 'counter gets _total'],
      ['requests_total', '', 'counter', 'requests_total', '_total not appended twice'],
      ['http.requests', '1', 'counter', 'http_requests_total', 'unit 1 on a counter: no ratio'],
      ['total.requests', '', 'counter', 'requests_total', 'every other total token is moved to the end (Collector)'],
      ['jobs', '{job}', 'observablecounter', 'jobs_total', 'observable counters too; {annotation} dropped'],
      ['cpu_usage', '1', 'gauge', 'cpu_usage_ratio', 'gauge with unit 1 → _ratio'],
      ['cpu_usage_ratio', '1', 'observablegauge', 'cpu_usage_ratio', '_ratio not appended twice'],
      ['queue.fill', '1', 'updowncounter', 'queue_fill', 'UpDownCounter is a sum: no _ratio'],
      ['response_time', 'ms', 'gauge', 'response_time_milliseconds', 'ms'],
      ['memory_usage', 'By', 'gauge', 'memory_usage_bytes', 'By'],
      ['heap', 'KiBy', 'updowncounter', 'heap_kibibytes', 'KiBy'],
      ['lag', 'us', 'histogram', 'lag_microseconds', 'us'],
      ['lag', 'ns', 'histogram', 'lag_nanoseconds', 'ns'],
      ['http.server.request.duration', 's', 'histogram', 'http_server_request_duration_seconds', 'semconv histogram'],
      ['response_time_seconds', 's', 'gauge', 'response_time_seconds', 'unit not appended twice'],
      ['process.cpu.seconds', 's', 'counter', 'process_cpu_seconds_total', 'unit word already a token, then _total'],
      ['requests', '1/s', 'gauge', 'requests_per_second', '1/s → per_second'],
      ['throughput', 'By/s', 'gauge', 'throughput_bytes_per_second', 'a/b → a_per_b'],
      ['custom_metric', 'By/{custom}', 'gauge', 'custom_metric_bytes', 'annotated per unit dropped'],
      ['custom_metric', '{custom}', 'gauge', 'custom_metric', 'annotation only'],
      ['custom_metric', 'custom_unit', 'gauge', 'custom_metric_custom_unit', 'unknown unit kept'],
      ['custom_metric', 'unit@with#special/chars', 'gauge', 'custom_metric_unit_with_special_per_chars', 'unit sanitized'],
      ['metric', ' By / s ', 'gauge', 'metric_bytes_per_second', 'whitespace in unit'],
      ['metric', 'By/', 'gauge', 'metric_bytes', 'empty per unit'],
      ['metric', '/', 'gauge', 'metric', 'only a slash'],
      ['metric', '%', 'gauge', 'metric_percent', '%'],
      ['metric__with__multiple__underscores', 'unit__multiple__underscores', 'gauge', 'metric_with_multiple_underscores_unit_multiple_underscores', 'runs of _ collapse'],
      ['app-name/queue.depth', '', 'gauge', 'app_name_queue_depth', 'invalid characters → _'],
      ['123_requests', '', 'counter', '_123_requests_total', 'leading digit → _ prefix'],
      ['queue.total', '', 'gauge', 'queue_total', 'a gauge keeps its own trailing total (Collector): nothing is stripped'],
      ['jobs.total', '{job}', 'updowncounter', 'jobs_total', 'an UpDownCounter too'],
      ['queue_total', '', 'observablegauge', 'queue_total', 'a name already ending in _total stays'],
      ['bytes.total', 'By', 'counter', 'bytes_total', 'unit word already a token; _total once'],
      ['time_seconds_total', 's', 'counter', 'time_seconds_total', 'unit and _total already there: nothing added twice'],
      ['ratio.used', '1', 'gauge', 'used_ratio', 'gauge with unit 1: the ratio token moves to the end (Collector)'],
      ['seconds.spent', 's', 'gauge', 'seconds_spent', 'unit word anywhere in the name is not added again (Collector)'],
      ['requests.rate', '1/s', 'gauge', 'requests_rate_per_second', '1/s → per_second after the name'],
      ['db.duration', 'ms', 'histogram', 'db_duration_milliseconds', 'ms on a histogram'],
      ['latency_milliseconds', 'ms', 'histogram', 'latency_milliseconds', 'histogram already ending in its unit'],
      ['latency.total', 's', 'histogram', 'latency_total_seconds', 'the unit comes after total: nothing to strip'],
      ['total', '', 'gauge', 'total', 'a gauge named only "total" stays'],
      ['total', '', 'counter', 'total_total', 'deviation: a counter keeps a family name before _total'],
    ];
    for (const [name, unit, kind, expected, why] of table) {
      it(`${kind} ${JSON.stringify(name)} [${unit}] → ${expected} (${why})`, () => {
        expect(prometheusMetricName(name, unit, kind)).to.equal(expected);
      });
    }

    it('every produced name matches [a-zA-Z_:][a-zA-Z0-9_:]*; a counter ends in _total; suffixes are only added: every token of the name is kept', () => {
      const kinds: InstrumentKind[] = ['counter', 'updowncounter', 'histogram', 'gauge', 'observablecounter', 'observableupdowncounter', 'observablegauge'];
      const names = ['a', 'a.total', 'a_total_total', '9lives', 'x-y.z/w', 'é.latency', 'q__', 'total.total'];
      const units = ['', '1', 's', 'By/s', '{x}', 'é', '1/s', 'm/s'];
      for (const k of kinds)
        for (const n of names)
          for (const u of units) {
            const out = prometheusMetricName(n, u, k);
            expect(out, `${k} ${n} ${u}`).to.match(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/);
            expect(out, `${k} ${n} ${u}`).not.to.match(/__/);
            if (prometheusType(k) === 'counter') expect(out).to.match(/_total$/);
            // Every token of the sanitized name survives (a counter's and a ratio gauge's own
            // `total` / `ratio` tokens move to the end, as the Collector does, but are not lost).
            const outTokens = out.split('_');
            for (const t of n.split(/[^a-zA-Z0-9:]+/).filter((x) => x !== '')) expect(outTokens, `${k} ${n} ${u} → ${out}`).to.include(t);
          }
    });
  });

  describe('prometheusUnit', () => {
    const table: [unit: string, kind: InstrumentKind, expected: string][] = [
      ['s', 'histogram', 'seconds'],
      ['ms', 'counter', 'milliseconds'],
      ['By', 'gauge', 'bytes'],
      ['By/s', 'gauge', 'bytes_per_second'],
      ['1/s', 'gauge', 'per_second'],
      ['1', 'gauge', 'ratio'],
      ['1', 'observablegauge', 'ratio'],
      ['1', 'counter', ''],
      ['1', 'updowncounter', ''],
      ['{request}', 'counter', ''],
      ['', 'counter', ''],
    ];
    for (const [unit, kind, expected] of table) {
      it(`${kind} [${unit}] → ${JSON.stringify(expected)}`, () => expect(prometheusUnit(unit, kind)).to.equal(expected));
    }
  });

  describe('prometheusType and openMetricsFamilyName', () => {
    it('maps kinds to Prometheus types', () => {
      expect(['counter', 'observablecounter', 'updowncounter', 'observableupdowncounter', 'gauge', 'observablegauge', 'histogram'].map((k) => prometheusType(k as InstrumentKind))).to.deep.equal([
        'counter',
        'counter',
        'gauge',
        'gauge',
        'gauge',
        'gauge',
        'histogram',
      ]);
    });
    it('strips _total from counter family names only', () => {
      expect(openMetricsFamilyName('requests_total', 'counter')).to.equal('requests');
      expect(openMetricsFamilyName('requests_total', 'gauge')).to.equal('requests_total');
    });
  });

  describe('prometheusLabelName', () => {
    const table: [key: string, expected: string | undefined][] = [
      ['label:with:colons', 'label_with_colons'],
      ['LabelWithCapitalLetters', 'LabelWithCapitalLetters'],
      ['label!with&special$chars)', 'label_with_special_chars_'],
      ['label_with_foreign_characters_字符', 'label_with_foreign_characters_'],
      ['label.with.dots', 'label_with_dots'],
      ['http.response.status_code', 'http_response_status_code'],
      ['.foo', '_foo'],
      ['123label', 'key_123label'],
      ['_label_starting_with_underscore', '_label_starting_with_underscore'],
      ['__label_starting_with_2underscores', '_label_starting_with_2underscores'],
      ['label__with__double__underscores', 'label_with_double_underscores'],
      ['label.name__with&&special##chars', 'label_name_with_special_chars'],
      ['trailing_underscores___', 'trailing_underscores_'],
      // Deviation from otlptranslator (which keeps `__reserved_label_name__`): no reserved `__` prefix.
      ['__reserved__label__name__', '_reserved_label_name_'],
      ['__name__', '_name_'],
      ['emoji😀key', 'emoji_key'],
      ['ようこそ', undefined],
      ['__', undefined],
      ['.', undefined],
      ['', undefined],
    ];
    for (const [key, expected] of table) {
      it(`${JSON.stringify(key)} → ${JSON.stringify(expected)}`, () => expect(prometheusLabelName(key)).to.equal(expected));
    }
  });
});
