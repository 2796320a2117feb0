import { expect } from 'chai';
import { generateMonitoring } from '../../src/catalog/generate/generate-monitoring.js';
import { generateRules } from '../../src/catalog/generate/rules.js';
import { formatDuration, leMatcher, num } from '../../src/catalog/generate/promql.js';
import { OTELKIT_CATALOGS } from '../../src/catalog/otelkit-catalogs.js';
import { COORDINATOR_CATALOG } from '../../src/coordinator/definitions.js';
import { MetersConfigError } from '../../src/errors.js';

const rulesOf = (scale?: number, minWindow?: string) => generateRules(COORDINATOR_CATALOG, { ...(scale !== undefined ? { durationScale: scale } : {}), ...(minWindow ? { minWindow } : {}) });

describe('generated rules', () => {
  it('the SRE-workbook burn-rate pairs for a 99 % SLO: 1h/5m and 6h/30m at 14.4x and 6x (page), 1d/2h and 3d/6h at 3x and 1x (ticket)', () => {
    const alerts = Object.fromEntries(rulesOf().alerts.map((a) => [a.rule.alert, a.rule]));
    const fast = alerts.CoordinatorExecutionErrorBudgetBurnFast!;
    expect(fast.expr).to.equal(
      '(slo:coordinator_execution:error_ratio_rate1h > 0.144 and slo:coordinator_execution:error_ratio_rate5m > 0.144) or (slo:coordinator_execution:error_ratio_rate6h > 0.06 and slo:coordinator_execution:error_ratio_rate30m > 0.06)',
    );
    expect(fast.labels.severity).to.equal('critical');
    expect(fast.for).to.equal('2m');
    const slow = alerts.CoordinatorExecutionErrorBudgetBurnSlow!;
    expect(slow.expr).to.contain('error_ratio_rate1d > 0.03 and slo:coordinator_execution:error_ratio_rate2h > 0.03').and.contain('error_ratio_rate3d > 0.01 and slo:coordinator_execution:error_ratio_rate6h > 0.01');
    expect(slow.labels.severity).to.equal('warning');
    // Latency SLO: 95 % within 10 s, read from the le="10" bucket (Prometheus 3 writes it "10.0").
    const records = rulesOf().groups[0]!.rules as { record: string; expr: string }[];
    const slow5m = records.find((r) => r.record === 'slo:coordinator_execution:slow_ratio_rate5m')!;
    expect(slow5m.expr).to.equal(
      '1 - (sum by (job) (rate(coordinator_execution_duration_seconds_bucket{le=~"10|10\\\\.0"}[5m])) / sum by (job) (rate(coordinator_execution_duration_seconds_count[5m])))',
    );
    expect(alerts.CoordinatorExecutionLatencyBudgetBurnFast!.expr).to.contain('slow_ratio_rate1h > 0.72');
  });

  it('aggregates by job (and the SLO labels) only, so otel_scope_name and the Collector path labels never split a ratio', () => {
    for (const c of OTELKIT_CATALOGS) {
      for (const g of generateRules(c).groups) {
        for (const r of g.rules) {
          expect(r.expr, r.expr).to.not.contain('otel_scope');
          for (const m of r.expr.matchAll(/rate\(/g)) expect(r.expr.slice(0, m.index), r.expr).to.match(/(sum|max) by \([^)]*\) \($|sum\($/);
        }
      }
    }
  });

  it('durationScale (test-only) compresses windows and for: of the same rules; names and thresholds stay', () => {
    const full = rulesOf();
    const fast = rulesOf(1 / 60);
    expect(fast.groups.flatMap((g) => g.rules.map((r) => ('record' in r ? r.record : r.alert)))).to.deep.equal(full.groups.flatMap((g) => g.rules.map((r) => ('record' in r ? r.record : r.alert))));
    const rec = (x: typeof full, name: string) => (x.groups[0]!.rules as { record: string; expr: string }[]).find((r) => r.record === name)!.expr;
    expect(rec(fast, 'slo:coordinator_execution:error_ratio_rate1h')).to.contain('[1m]');
    expect(rec(fast, 'slo:coordinator_execution:error_ratio_rate3d')).to.contain('[72m]');
    expect(rec(fast, 'slo:coordinator_execution:error_ratio_rate5m'), 'clamped at minWindow 1m').to.contain('[1m]');
    expect(rec(rulesOf(1 / 60, '20s'), 'slo:coordinator_execution:error_ratio_rate5m')).to.contain('[20s]');
    const alert = (x: typeof full, name: string) => x.alerts.find((a) => a.rule.alert === name)!.rule;
    expect(alert(fast, 'CoordinatorExecutionErrorBudgetBurnSlow').for).to.equal('15s');
    expect(alert(fast, 'CoordinatorExecutionErrorBudgetBurnFast').for).to.equal('2s');
    expect(alert(fast, 'CoordinatorExecutionErrorBudgetBurnFast').expr).to.equal(alert(full, 'CoordinatorExecutionErrorBudgetBurnFast').expr);
    const tiny = generateRules(COORDINATOR_CATALOG, { durationScale: 1 / 3600, minWindow: '10s' });
    expect(alert(tiny, 'CoordinatorExecutionErrorBudgetBurnFast').for, 'a for: under 1 s is dropped').to.equal(undefined);
    const floored = generateRules(COORDINATOR_CATALOG, { durationScale: 1 / 3600, minWindow: '10s', minFor: '3s' });
    expect(alert(floored, 'CoordinatorExecutionErrorBudgetBurnFast').for).to.equal('3s');
    expect(alert(floored, 'CoordinatorMetricsAbsent').for).to.equal('3s');
  });

  it('rejects a durationScale outside (0, 1] or a malformed minWindow / minFor with a MetersConfigError', async () => {
    for (const bad of [0, 2, -1, Number.NaN]) {
      const err = await generateMonitoring(OTELKIT_CATALOGS, { durationScale: bad }).then(() => undefined, (e: unknown) => e);
      expect(err, String(bad)).to.be.instanceOf(MetersConfigError);
      expect((err as MetersConfigError).field).to.equal('options.durationScale');
    }
    const err = await generateMonitoring(OTELKIT_CATALOGS, { durationScale: 0.5, minFor: '3 seconds' }).then(() => undefined, (e: unknown) => e);
    expect((err as MetersConfigError).field).to.equal('options.minFor');
  });

  it('le matchers, numbers and durations are written exactly', () => {
    expect(leMatcher(0.5)).to.equal('le=~"0\\\\.5"');
    expect(leMatcher(10)).to.equal('le=~"10|10\\\\.0"');
    expect(num(14.4 * 0.01)).to.equal('0.144');
    expect(num(6 * (1 - 0.99))).to.equal('0.06');
    expect(formatDuration(3600)).to.equal('1h');
    expect(formatDuration(4320)).to.equal('72m');
    expect(formatDuration(90)).to.equal('90s');
    expect(formatDuration(86400 * 3)).to.equal('3d');
  });
});
