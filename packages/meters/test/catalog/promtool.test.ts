import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { basename } from 'node:path';
import { requirePeer } from '@otelkit/testkit';
import { filesIn, MONITORING, yaml, type RuleFile, type TestFile } from './monitoring-files.js';

// The committed rule files, checked and unit-tested by the real promtool. requirePeer throws when
// promtool is missing (locally and under CI=true): this suite never skips.
describe('monitoring/rules with promtool', function () {
  this.timeout(180_000);
  const ruleFiles = filesIn('rules', '.rules.yml');
  const testFiles = filesIn('tests', '.test.yml');

  it('promtool check rules accepts every rule file', () => {
    const promtool = requirePeer('promtool');
    expect(ruleFiles.length).to.be.greaterThan(0);
    const r = spawnSync(promtool, ['check', 'rules', ...ruleFiles], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stdout + r.stderr).to.equal(0);
    expect((r.stdout.match(/SUCCESS/g) ?? []).length).to.equal(ruleFiles.length);
  });

  it('promtool test rules passes every unit test (each alert fires on its fault, stays quiet when healthy)', () => {
    const promtool = requirePeer('promtool');
    const r = spawnSync(promtool, ['test', 'rules', ...testFiles], { encoding: 'utf8', cwd: MONITORING, timeout: 170_000 });
    expect(r.status, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout + r.stderr).to.not.match(/FAILED/);
  });

  it('every alert of every rule file has a test where it fires and one where it stays quiet', () => {
    const alerts = new Map<string, string>();
    for (const f of ruleFiles) for (const g of yaml<RuleFile>(f).groups) for (const r of g.rules) if (r.alert !== undefined) alerts.set(r.alert, basename(f));
    expect(alerts.size).to.be.greaterThan(10);
    const fires = new Set<string>();
    const quiet = new Set<string>();
    const loaded = new Set<string>();
    for (const f of testFiles) {
      const t = yaml<TestFile>(f);
      for (const rf of t.rule_files) loaded.add(basename(rf));
      for (const test of t.tests) {
        for (const a of test.alert_rule_test ?? []) {
          if ((a.exp_alerts ?? []).length > 0) {
            fires.add(a.alertname);
            for (const e of a.exp_alerts!) {
              expect(e.exp_labels?.severity, `${a.alertname}: exp_labels.severity`).to.be.a('string');
              expect(Object.keys(e.exp_annotations ?? {}).sort(), `${a.alertname}: annotations`).to.deep.equal(['description', 'runbook_url', 'summary']);
            }
          } else quiet.add(a.alertname);
        }
      }
    }
    const missing = [...alerts.keys()].filter((a) => !fires.has(a) || !quiet.has(a));
    expect(missing, 'alerts without a firing and a quiet test').to.deep.equal([]);
    expect([...new Set(alerts.values())].filter((f) => !loaded.has(f)), 'rule files no test loads').to.deep.equal([]);
  });
});
