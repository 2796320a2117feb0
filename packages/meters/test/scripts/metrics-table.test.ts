import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { renderMetricsTable, withTable } from '../../scripts/metrics-table.js';
import { METRIC_CATALOGUE } from '../../src/index.js';

describe('metrics table (scripts/metrics-table.ts)', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

  it('README.md carries the table generated from the code (run `npm run docs:metrics` when this fails)', () => {
    expect(withTable(readme)).to.equal(readme);
  });

  it('lists every shipped metric once, with the Prometheus names the exposition uses', () => {
    const table = renderMetricsTable();
    for (const { metrics } of METRIC_CATALOGUE) for (const d of metrics) expect(table.split(`| \`${d.name}\` |`).length - 1, d.name).to.equal(1);
    const rows = Object.fromEntries(
      table
        .split('\n')
        .filter((l) => l.startsWith('| `'))
        .map((l) => {
          const [otel, prom] = l.split(' | ').map((c) => c.replace(/^\| /, ''));
          return [otel!.replace(/`/g, ''), prom];
        }),
    );
    expect(rows['coordinator.routing.decisions']).to.equal('`coordinator_routing_decisions_total`');
    expect(rows['coordinator.execution.duration']).to.equal('`coordinator_execution_duration_seconds_bucket`, `_sum`, `_count`');
    expect(rows['queue.depth']).to.equal('`queue_depth`');
    expect(rows['processing.duration']).to.equal('`processing_duration_seconds_bucket`, `_sum`, `_count`');
    expect(rows['db.client.connection.count']).to.equal('`db_client_connection_count`');
    expect(rows['db.pool.size']).to.equal('`db_pool_size`');
    expect(rows['db.pool.free']).to.equal('`db_pool_free`');
  });
});
