import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { AGENT_COLLECTOR_CONFIG, ensureCollector, GATEWAY_COLLECTOR_CONFIG, SHIPPED_COLLECTOR_CONFIG, tempDir, validateCollectorConfig } from '@otelkit/testkit';
import { remoteWriteVariant } from './workload.js';

describe('otel-collector.yaml: otelcol validate', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;

  before(async function () {
    // First run: builds the collector (minutes); afterwards the cached binary answers at once.
    this.timeout(40 * 60_000);
    await ensureCollector();
    dir = await tempDir('collector-validate');
  });
  after(() => dir?.remove());

  it('the shipped config is valid as shipped (defaults of every ${env:…})', async () => {
    const r = await validateCollectorConfig(SHIPPED_COLLECTOR_CONFIG);
    expect(r.exitCode, r.output).to.equal(0);
  });

  it('is valid with the tracing backend selected by OTELKIT_TRACES_EXPORTERS, as the comment says', async () => {
    const r = await validateCollectorConfig(SHIPPED_COLLECTOR_CONFIG, {
      OTELKIT_TRACES_EXPORTERS: '[otlp_http/traces, debug]',
      OTELKIT_TRACES_BACKEND_URL: 'https://tempo.example:4318',
    });
    expect(r.exitCode, r.output).to.equal(0);
  });

  it('the commented remote-write alternative is valid once uncommented', async () => {
    const r = await validateCollectorConfig(await remoteWriteVariant(dir.path));
    expect(r.exitCode, r.output).to.equal(0);
  });

  it('the tier configs (collector/tiers/agent.yaml, gateway.yaml) are valid as shipped', async () => {
    for (const config of [AGENT_COLLECTOR_CONFIG, GATEWAY_COLLECTOR_CONFIG]) {
      const r = await validateCollectorConfig(config, { OTELKIT_STORAGE_DIR: join(dir.path, 'storage') });
      expect(r.exitCode, `${config}: ${r.output}`).to.equal(0);
    }
  });

  describe('the check can fail', () => {
    it('a pipeline naming an exporter the config does not define', async () => {
      const r = await validateCollectorConfig(SHIPPED_COLLECTOR_CONFIG, { OTELKIT_TRACES_EXPORTERS: '[otlp_http/missing]' });
      expect(r.exitCode).to.equal(1);
      expect(r.output).to.match(/otlp_http\/missing/);
    });

    it('memory_limiter with spike_limit_mib >= limit_mib', async () => {
      const r = await validateCollectorConfig(SHIPPED_COLLECTOR_CONFIG, { OTELKIT_COLLECTOR_LIMIT_MIB: '100', OTELKIT_COLLECTOR_SPIKE_LIMIT_MIB: '100' });
      expect(r.exitCode).to.equal(1);
      expect(r.output).to.match(/memory_limiter/);
    });

    it('a component type the build does not have', async () => {
      const shipped = await readFile(SHIPPED_COLLECTOR_CONFIG, 'utf8');
      const path = join(dir.path, 'unknown-type.yaml');
      await writeFile(path, shipped.replace('  prometheus:\n', '  prometheus_nonexistent:\n'));
      const r = await validateCollectorConfig(path);
      expect(r.exitCode).to.equal(1);
      expect(r.output).to.match(/prometheus_nonexistent/);
    });
  });

  it('the build holds exactly the components the manifest lists', async () => {
    const bin = await ensureCollector();
    const out = spawnSync(bin, ['components'], { encoding: 'utf8' }).stdout;
    const names = [...out.matchAll(/^\s+- name: (\S+)$/gm)].map((m) => m[1]).sort();
    // v0.165 type names: `otlp_grpc` / `otlp_http` exporters, `delta_to_cumulative`, `file_storage`,
    // `prometheus_remote_write` (the receiver is still `otlp`).
    expect(names).to.deep.equal([
      'batch', 'debug', 'delta_to_cumulative', 'file', 'file_storage', 'groupbyattrs', 'health_check', 'memory_limiter',
      'otlp', 'otlp_grpc', 'otlp_http', 'prometheus', 'prometheus_remote_write', 'resource',
    ]);
    const modules = [...out.matchAll(/^\s+module: (\S+) (v\S+)$/gm)].map((m) => `${m[1]} ${m[2]}`);
    const manifest = await readFile(join(SHIPPED_COLLECTOR_CONFIG, '..', 'collector', 'builder-config.yaml'), 'utf8');
    const pinned = [...manifest.matchAll(/^\s+- gomod: (\S+) (v\S+)$/gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(modules.sort()).to.deep.equal(pinned.sort());
  });
});
