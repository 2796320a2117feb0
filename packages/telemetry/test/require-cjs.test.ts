import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const FIXTURE = fileURLToPath(new URL('./fixtures/require-all.cjs', import.meta.url));

/**
 * The packages are ESM only: CommonJS applications load them with require(), which Node loads
 * synchronously since 22.12 (below the 22.15 floor), so no dual build. This runs on the Node under
 * test (the suites run on 22, 24 and 26) and fails if any module in the graph stops being
 * require()-able (a top-level await, say) or if require() prints the experimental warning.
 */
describe('require() from a CommonJS application', () => {
  it('require() loads every public package, initTelemetry() works through it, and import() gets the same instances', () => {
    const r = spawnSync(process.execPath, [FIXTURE], { encoding: 'utf8', timeout: 20_000 });
    expect(r.stderr).to.equal('');
    expect(r.status).to.equal(0);
    const out = JSON.parse(r.stdout) as { node: string; packages: Record<string, { fn: string; version: string }>; recorded: number; sameInstance: boolean };
    expect(out.node).to.equal(process.version);
    for (const name of ['@otelkit/metrics', '@otelkit/prometheus', '@otelkit/otlp', '@otelkit/meters', '@otelkit/telemetry']) {
      expect(out.packages[name], name).to.deep.equal({ fn: 'function', version: '0.1.0' });
    }
    expect(out.recorded).to.equal(1);
    expect(out.sameInstance).to.equal(true);
  });
});
