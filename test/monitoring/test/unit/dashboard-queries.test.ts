import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDashboards, substitute } from '../support/dashboard-queries.js';

describe('live suite harness: dashboard queries', () => {
  it('substitutes the contract variables in both $name and ${name[:format]} forms', () => {
    expect(substitute('sum(rate(x{job=~"$job", instance=~"${instance}"}[$__rate_interval]))', 'coordinator')).to.equal('sum(rate(x{job=~"coordinator", instance=~".+"}[1m]))');
    expect(substitute('avg_over_time(y{job="${job:raw}"}[$__interval]) offset $__range', 'w')).to.equal('avg_over_time(y{job="w"}[15s]) offset 5m');
    expect(substitute('z{service=~"$service"}', 'w', { service: '(evaluator|dispatcher)' })).to.equal('z{service=~"(evaluator|dispatcher)"}');
  });

  it('refuses a variable it has no value for, naming it (a new variable cannot slip by unfilled)', () => {
    expect(() => substitute('x{queue=~"$queue"}', 'w')).to.throw(/no value for the variable \$queue/);
  });

  it("reads every target of every panel, rows' nested panels included, and skips empty expressions", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'otelkit-dash-'));
    try {
      await writeFile(
        join(dir, 'a.json'),
        JSON.stringify({
          title: 'A',
          templating: { list: [{ name: 'job', type: 'query' }] },
          panels: [
            { title: 'p1', type: 'timeseries', targets: [{ refId: 'A', expr: 'up' }, { refId: 'B', expr: ' ' }] },
            { title: 'row', type: 'row', panels: [{ title: 'p2', type: 'heatmap', targets: [{ refId: 'A', expr: 'x_bucket', exemplar: true }] }] },
          ],
        }),
      );
      await writeFile(join(dir, 'notes.txt'), 'not a dashboard');
      const [d] = loadDashboards(dir);
      expect(loadDashboards(dir)).to.have.length(1);
      expect(d!.variables.map((v) => v.name)).to.deep.equal(['job']);
      expect(d!.queries.map((q) => [q.panel, q.refId, q.expr, q.exemplar])).to.deep.equal([
        ['p1', 'A', 'up', false],
        ['p2', 'A', 'x_bucket', true],
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
