import { expect } from 'chai';
import { createServer, request, type Server } from 'node:http';
import { diag, DiagLogLevel, metrics, trace, type DiagLogger } from '@opentelemetry/api';
import { freePort } from '@otelkit/testkit';
import { initTelemetry, FlushError, type Telemetry } from '../src/index.js';

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.end();
  });
}

function captureDiag(): { messages: string[]; restore(): void } {
  const messages: string[] = [];
  const logger: DiagLogger = { error: (m) => messages.push(m), warn: (m) => messages.push(m), info: () => {}, debug: () => {}, verbose: () => {} };
  diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  return { messages, restore: () => diag.disable() };
}

/** Base options for tests: loopback, free port, no runtime metrics noise, no exit hooks in the mocha process. */
async function testOptions(extra: Parameters<typeof initTelemetry>[0] = {}) {
  return { serviceName: 'svc-under-test', env: {}, runtimeMetrics: false, shutdownHooks: false, prometheus: { host: '127.0.0.1', port: 0 }, ...extra };
}

describe('initTelemetry', () => {
  let tel: Telemetry | undefined;
  afterEach(async () => {
    await tel?.shutdown().catch(() => undefined);
    tel = undefined;
  });

  it('registers its providers as the globals and serves /metrics with target_info', async () => {
    tel = initTelemetry(await testOptions({ serviceVersion: '1.2.3', resourceAttributes: { 'deployment.environment.name': 'test' } }));
    await tel.ready;
    expect(metrics.getMeterProvider()).to.equal(tel.meterProvider);
    expect((trace.getTracerProvider() as unknown as { getDelegate(): unknown }).getDelegate()).to.equal(tel.tracerProvider);
    tel.meter('m').createCounter('jobs', { unit: '{job}' }).add(3, { kind: 'a' });
    const res = await get(tel.metricsUrl!);
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.equal('text/plain; version=0.0.4; charset=utf-8');
    expect(res.body).to.match(/^jobs_total\{[^}]*kind="a"[^}]*\} 3$/m);
    const info = res.body.split('\n').filter((l) => l.startsWith('target_info{'));
    expect(info).to.have.length(1);
    // service.name / service.instance.id as job / instance, as the Collector writes target_info (issue 15).
    for (const needle of ['job="svc-under-test"', `instance="${tel.config.serviceInstanceId}"`, 'service_version="1.2.3"', 'deployment_environment_name="test"', 'telemetry_sdk_language="nodejs"', 'host_name="', 'process_pid="']) {
      expect(info[0]).to.contain(needle);
    }
    expect(info[0]).to.not.contain('service_name=');
    expect(info[0]).to.not.contain('service_instance_id=');
    expect(info[0]).to.not.contain('process_command_args');
  });

  it('returns the same handle on a second call, with one warning', async () => {
    tel = initTelemetry(await testOptions());
    const d = captureDiag();
    try {
      expect(initTelemetry({ serviceName: 'other' })).to.equal(tel);
      expect(d.messages.filter((m) => m.includes('already called'))).to.have.length(1);
    } finally {
      d.restore();
    }
  });

  it('can be initialized again after shutdown, with a new instance id', async () => {
    const first = initTelemetry(await testOptions());
    await first.shutdown();
    expect(first.health().status).to.equal('shutdown');
    tel = initTelemetry(await testOptions());
    expect(tel).to.not.equal(first);
    expect(tel.config.serviceInstanceId).to.not.equal(first.config.serviceInstanceId);
  });

  it('a taken port rejects `ready` with an error naming the port and the remedy, shows in health(), and crashes nothing', async () => {
    const blocker: Server = createServer();
    const port = await freePort();
    await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', r));
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    const d = captureDiag();
    try {
      tel = initTelemetry(await testOptions({ prometheus: { host: '127.0.0.1', port } }));
      const err = await tel.ready.then(() => undefined, (e: Error) => e);
      expect(err, 'ready must reject').to.be.instanceOf(Error);
      expect(err!.message).to.contain(String(port));
      expect(err!.message).to.match(/OTEL_EXPORTER_PROMETHEUS_PORT|prometheus\.port/);
      const h = tel.health();
      expect(h.status).to.equal('degraded');
      expect(h.prometheus.state).to.equal('failed');
      expect(h.prometheus.error).to.contain(String(port));
      // Recording still works and the handler still serves, mounted elsewhere.
      tel.meter('m').createCounter('still.works').add(1);
      await new Promise((r) => setTimeout(r, 50));
      expect(unhandled).to.deep.equal([]);
    } finally {
      d.restore();
      process.off('unhandledRejection', onUnhandled);
      await new Promise((r) => blocker.close(r));
    }
  });

  it('OTEL_SDK_DISABLED: no server, no export, instruments still usable', async () => {
    tel = initTelemetry(await testOptions({ env: { OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1' } }));
    await tel.ready;
    expect(tel.metricsUrl).to.equal(undefined);
    const h = tel.health();
    expect(h.status).to.equal('disabled');
    expect(h.exporters).to.deep.equal({});
    const c = tel.meter('m').createCounter('c');
    c.add(1);
    c.bind({ a: 'b' }).add(1);
    await tel.forceFlush();
  });

  it('forceFlush() rejects with a FlushError naming the failing exporter, bounded by its timeout', async () => {
    const deadPort = await freePort();
    tel = initTelemetry(
      await testOptions({ otlp: { endpoint: `http://127.0.0.1:${deadPort}`, timeoutMillis: 500 }, metricExportIntervalMillis: 600_000 }),
    );
    tel.meter('m').createCounter('c').add(1);
    const t0 = Date.now();
    const err = await tel.forceFlush({ timeoutMillis: 3000 }).then(() => undefined, (e: unknown) => e);
    expect(Date.now() - t0).to.be.lessThan(4000);
    expect(err).to.be.instanceOf(FlushError);
    expect((err as FlushError).failures.map((f) => f.component)).to.include('otlp-metrics');
    expect(tel.health().exporters['otlp-metrics']!.failures).to.be.greaterThan(0);
  });

  it('the OTLP span exporter reports its health like the metrics exporter: otlp-traces, failing turns the status degraded', async () => {
    const deadPort = await freePort();
    tel = initTelemetry(
      await testOptions({ otlp: { endpoint: `http://127.0.0.1:${deadPort}`, timeoutMillis: 500 }, metricExportIntervalMillis: 600_000 }),
    );
    expect(tel.health().exporters['otlp-traces']!.failures).to.equal(0);
    tel.tracer('t').startSpan('lost').end();
    const err = await tel.forceFlush({ timeoutMillis: 3000 }).then(() => undefined, (e: unknown) => e);
    expect((err as FlushError).failures.map((f) => f.component)).to.include('otlp-traces');
    const h = tel.health();
    expect(h.exporters['otlp-traces']!.failures).to.be.greaterThan(0);
    expect(h.status).to.equal('degraded');
  });

  it('the handler mounts on a server of the application', async () => {
    tel = initTelemetry(await testOptions({ prometheus: { server: false } }));
    await tel.ready;
    expect(tel.metricsUrl).to.equal(undefined);
    expect(tel.health().prometheus.state).to.equal('handler-only');
    tel.meter('m').createHistogram('work.duration', { unit: 's' }).record(0.3);
    const app = createServer((req, res) => {
      if (req.url?.startsWith('/metrics')) tel!.metricsHandler(req, res);
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    try {
      const { port } = app.address() as { port: number };
      const res = await get(`http://127.0.0.1:${port}/metrics`, { accept: 'application/openmetrics-text; version=1.0.0' });
      expect(res.status).to.equal(200);
      expect(res.body).to.contain('# TYPE work_duration_seconds histogram');
      expect(res.body.endsWith('# EOF\n')).to.equal(true);
    } finally {
      await new Promise((r) => app.close(r));
    }
  });

  it('runtime metrics come from the OpenTelemetry instrumentations and can be turned off', async () => {
    tel = initTelemetry(await testOptions({ runtimeMetrics: true }));
    await tel.ready;
    await new Promise((r) => setTimeout(r, 100));
    const body = (await get(tel.metricsUrl!)).body;
    for (const family of ['nodejs_eventloop_delay', 'v8js_memory_heap', 'process_cpu_time', 'process_memory_usage']) {
      expect(body, family).to.match(new RegExp(`^# TYPE ${family}\\S* `, 'm'));
    }
    await tel.shutdown();
    tel = initTelemetry(await testOptions({ runtimeMetrics: false }));
    await tel.ready;
    const off = (await get(tel.metricsUrl!)).body;
    expect(off).to.not.contain('nodejs_eventloop');
    expect(off).to.not.contain('process_cpu_time');
  });
});
