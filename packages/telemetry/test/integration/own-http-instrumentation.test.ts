import { expect } from 'chai';
import http from 'node:http';
import { context, trace } from '@opentelemetry/api';
import { parseOpenMetricsStrict } from '@otelkit/testkit';
import { initTelemetry, ConfigError, resolveConfig, type Telemetry } from '../../src/index.js';

/**
 * `initTelemetry({ httpInstrumentation: true })`: otelkit's diagnostics_channel instrumentation
 * with initTelemetry()'s providers — the handler runs in the server span, and the duration
 * histogram's exemplar on /metrics carries the request's trace.
 */
describe('initTelemetry({ httpInstrumentation })', function () {
  this.timeout(20_000);
  let tel: Telemetry;
  let server: http.Server;
  let port: number;
  let handlerTraceId: string | undefined;
  before(async () => {
    tel = initTelemetry({
      serviceName: 'own-http',
      env: {},
      runtimeMetrics: false,
      shutdownHooks: false,
      prometheus: { host: '127.0.0.1', port: 0 },
      httpInstrumentation: { ignoreIncomingRequest: (req) => req.url?.startsWith('/metrics') === true },
    });
    await tel.ready;
    server = http.createServer((_req, res) => {
      handlerTraceId = trace.getSpan(context.active())?.spanContext().traceId;
      setTimeout(() => res.end('ok'), 5);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });
  after(async () => {
    await new Promise((r) => server?.close(r));
    await tel?.shutdown().catch(() => undefined);
  });

  it('the handler runs in the server span and the bucket exemplar carries its trace id', async () => {
    const traceId = 'ab'.repeat(16);
    const res = await fetch(`http://127.0.0.1:${port}/orders`, { headers: { traceparent: `00-${traceId}-${'cd'.repeat(8)}-01` } });
    expect(await res.text()).to.equal('ok');
    expect(handlerTraceId).to.equal(traceId);
    let exemplars: { labels: Record<string, string> }[] = [];
    for (let i = 0; i < 50 && exemplars.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      const om = await (await fetch(tel.metricsUrl!, { headers: { accept: 'application/openmetrics-text; version=1.0.0' } })).text();
      const duration = parseOpenMetricsStrict(om).find((f) => f.name === 'http_server_request_duration_seconds');
      exemplars = (duration?.samples ?? []).filter((s) => s.exemplar !== null).map((s) => s.exemplar!);
    }
    expect(exemplars).to.have.length(1);
    expect(exemplars[0]!.labels.trace_id).to.equal(traceId);
  });

  it('a malformed setting is a ConfigError naming the field', () => {
    expect(() => resolveConfig({ httpInstrumentation: 'yes' as never, env: {} })).to.throw(ConfigError, /httpInstrumentation/);
    expect(() => resolveConfig({ httpInstrumentation: { ignoreIncomingRequest: 1 as never }, env: {} })).to.throw(ConfigError, /httpInstrumentation\.ignoreIncomingRequest/);
    expect(() => resolveConfig({ httpInstrumentation: { redact: [] } as never, env: {} })).to.throw(ConfigError, /httpInstrumentation\.redact/);
  });
});
