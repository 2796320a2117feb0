import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import cluster from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { ConfigError, initTelemetry } from '../../src/index.js';

describe('initTelemetry({ cluster }): configuration', () => {
  const base = { serviceName: 'cluster-init', env: {}, runtimeMetrics: false, shutdownHooks: false, prometheus: { host: '127.0.0.1', port: 0 } };

  it('a bad cluster option is a ConfigError naming the field; nothing is left set up', async () => {
    const forks = cluster.listenerCount('fork');
    expect(() => initTelemetry({ ...base, cluster: { mode: 'average' as never } })).to.throw(ConfigError, /cluster\.mode/);
    // A failure after the cluster side was set up (a bad Pushgateway URL) stops it again.
    expect(() => initTelemetry({ ...base, cluster: true, pushgateway: { url: 'not a url', job: 'x' } })).to.throw(ConfigError);
    expect(cluster.listenerCount('fork')).to.equal(forks);
    const tel = initTelemetry({ ...base, cluster: true });
    try {
      expect(tel.cluster?.role).to.equal('primary');
      expect(cluster.listenerCount('fork')).to.equal(forks + 1);
    } finally {
      await tel.shutdown();
    }
    expect(cluster.listenerCount('fork')).to.equal(forks);
  });

  it('without the option, or with OTEL_SDK_DISABLED, there is no cluster side', async () => {
    for (const options of [{ ...base }, { ...base, cluster: true, disabled: true }]) {
      const tel = initTelemetry(options);
      try {
        expect(tel.cluster).to.equal(undefined);
        expect(tel.health()).to.not.have.property('cluster');
      } finally {
        await tel.shutdown();
      }
    }
  });

  it('role worker without a primary to answer is a ConfigError', () => {
    // In a child without an IPC channel, whatever started this test run.
    const script = `import { initTelemetry } from '@otelkit/telemetry';
try { initTelemetry({ env: {}, runtimeMetrics: false, shutdownHooks: false, prometheus: false, cluster: { role: 'worker' } }); console.log('no error'); }
catch (e) { console.log(e.name, e.field ?? '', e.message); }`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: fileURLToPath(new URL('../..', import.meta.url)), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 });
    expect(r.stdout, r.stderr).to.match(/ConfigError.*cluster\.role.*no primary to answer/);
  });
});
