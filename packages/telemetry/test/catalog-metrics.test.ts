import { expect } from 'chai';
import { OTELKIT_SELF_CATALOG, RUNTIME_CATALOG, type InstrumentDeclaration } from '@otelkit/meters';
import { prometheusMetricName, prometheusType } from '@otelkit/prometheus';
import { freePort, waitFor } from '@otelkit/testkit';
import { initTelemetry, type Telemetry } from '../src/index.js';

const promName = (d: InstrumentDeclaration): string => prometheusMetricName(d.name, d.unit, d.kind);

async function scrape(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return res.text();
}

/** The families of an exposition: name → TYPE. */
function families(body: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of body.matchAll(/^# TYPE (\S+) (\S+)$/gm)) out.set(m[1]!, m[2]!);
  return out;
}

describe('catalog metrics of initTelemetry (the runtime and otelkit catalogs the dashboards and alerts read)', () => {
  let tel: Telemetry | undefined;
  afterEach(async () => {
    await tel?.shutdown().catch(() => undefined);
    tel = undefined;
  });

  it('every instrument of the runtime catalog is on /metrics under the Prometheus name and type the generated queries use', async () => {
    tel = initTelemetry({ serviceName: 'rt', env: {}, shutdownHooks: false, prometheus: { host: '127.0.0.1', port: 0 } });
    await tel.ready;
    // The runtime instrumentations observe on collection; GC durations need a collection after a GC.
    globalThis.gc?.();
    let fams = new Map<string, string>();
    await waitFor('the runtime families on /metrics', async () => {
      fams = families(await scrape(tel!.metricsUrl!));
      return (Object.values(RUNTIME_CATALOG.instruments) as InstrumentDeclaration[]).every((d) => d.kind === 'histogram' || fams.has(promName(d)));
    }, 10_000);
    for (const d of Object.values(RUNTIME_CATALOG.instruments) as InstrumentDeclaration[]) {
      if (d.kind === 'histogram' && !fams.has(promName(d))) continue; // no GC ran in this process yet
      expect(fams.get(promName(d)), `${d.name} → ${promName(d)}`).to.equal(prometheusType(d.kind));
    }
  });

  it('a failing OTLP exporter shows as otelkit_exporter_* series (what OtelkitExporterFailing alerts on); none without an exporter', async () => {
    tel = initTelemetry({ serviceName: 'svc', env: {}, runtimeMetrics: false, shutdownHooks: false, prometheus: { host: '127.0.0.1', port: 0 } });
    await tel.ready;
    expect(await scrape(tel.metricsUrl!)).to.not.contain('otelkit_exporter_');
    await tel.shutdown();

    const deadPort = await freePort();
    tel = initTelemetry({
      serviceName: 'svc',
      env: {},
      runtimeMetrics: false,
      shutdownHooks: false,
      prometheus: { host: '127.0.0.1', port: 0 },
      otlp: { endpoint: `http://127.0.0.1:${deadPort}`, timeoutMillis: 300 },
      metricExportIntervalMillis: 600_000,
      // The scrape below must observe health() after the exports; with the default cycle (1000 ms)
      // it would share the round the last export observed before its outcome was known.
      collectionCycleMillis: 0,
    });
    await tel.ready;
    tel.meter('m').createCounter('c').add(1);
    await tel.forceFlush({ timeoutMillis: 3000 }).catch(() => undefined);
    await tel.forceFlush({ timeoutMillis: 3000 }).catch(() => undefined);
    const body = await scrape(tel.metricsUrl!);
    const I = OTELKIT_SELF_CATALOG.instruments;
    const value = (name: string, labels: string): number => {
      const line = body.split('\n').find((l) => l.startsWith(`${name}{`) && labels.split(',').every((p) => l.includes(p)));
      expect(line, `${name}{${labels}} in\n${body}`).to.not.equal(undefined);
      return Number(line!.slice(line!.lastIndexOf(' ') + 1));
    };
    const failures = tel.health().exporters['otlp-metrics']!.failures;
    expect(failures).to.be.greaterThan(0);
    expect(value(promName(I.exporterConsecutiveFailures), 'exporter="otlp-metrics"')).to.equal(tel.health().exporters['otlp-metrics']!.consecutiveFailures);
    expect(value(promName(I.exporterExports), 'exporter="otlp-metrics",outcome="failure"')).to.equal(failures);
    expect(value(promName(I.exporterExports), 'exporter="otlp-metrics",outcome="success"')).to.equal(0);
    expect(value(promName(I.exporterDroppedDataPoints), 'exporter="otlp-metrics"')).to.be.greaterThan(0);
    expect(families(body).get(promName(I.exporterExports))).to.equal('counter');
  });

  it('a refused Pushgateway shows its consecutive failures as otelkit_exporter_consecutive_failures{exporter="pushgateway"} and degrades health()', async () => {
    const deadPort = await freePort();
    tel = initTelemetry({
      serviceName: 'catalog-pushgateway',
      runtimeMetrics: false,
      shutdownHooks: false,
      prometheus: { host: '127.0.0.1', port: 0 },
      pushgateway: { url: `http://127.0.0.1:${deadPort}`, job: 'refused', intervalMs: 100, timeoutMs: 300 },
      collectionCycleMillis: 0,
    });
    await tel.ready;
    await waitFor('two failed pushes', () => (tel.health().pushgateway?.consecutiveFailures ?? 0) >= 2, 10_000, 20);
    const body = await scrape(tel.metricsUrl!);
    const line = body.split('\n').find((l) => l.startsWith(`${promName(OTELKIT_SELF_CATALOG.instruments.exporterConsecutiveFailures)}{`) && l.includes('exporter="pushgateway"'));
    expect(line, body).to.not.equal(undefined);
    expect(Number(line!.slice(line!.lastIndexOf(' ') + 1))).to.be.at.least(2);
    expect(tel.health().status).to.equal('degraded');
  });
});
