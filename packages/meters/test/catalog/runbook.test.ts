import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { filesIn, REPO, yaml, type RuleFile } from './monitoring-files.js';

describe('alerts and docs/RUNBOOK.md', () => {
  const runbook = readFileSync(`${REPO}docs/RUNBOOK.md`, 'utf8');
  // GitHub's anchor of a heading: lowercase, spaces to dashes, punctuation dropped.
  const anchors = new Set([...runbook.matchAll(/^## (.+)$/gm)].map((m) => m[1]!.toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-')));

  for (const f of filesIn('rules', '.rules.yml')) {
    it(`${f.slice(f.lastIndexOf('/') + 1)}: every alert has severity, summary, description and a runbook_url to its own RUNBOOK.md section`, () => {
      for (const g of yaml<RuleFile>(f).groups) {
        for (const r of g.rules) {
          if (r.alert === undefined) continue;
          expect(r.labels?.severity, r.alert).to.be.oneOf(['critical', 'warning']);
          expect(r.annotations?.summary, r.alert).to.be.a('string').and.not.equal('');
          expect(r.annotations?.description, r.alert).to.be.a('string').and.not.equal('');
          const url = r.annotations?.runbook_url ?? '';
          expect(url, r.alert).to.match(/docs\/RUNBOOK\.md#[a-z0-9]+$/);
          const anchor = url.slice(url.indexOf('#') + 1);
          expect(anchor, r.alert).to.equal(r.alert.toLowerCase());
          expect(anchors.has(anchor), `docs/RUNBOOK.md has a section "## ${r.alert}"`).to.equal(true);
        }
      }
    });
  }
});
