import { expect } from 'chai';
import { createRequire } from 'node:module';
import type * as Http from 'node:http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { parseOpenMetricsStrict } from '@otelkit/testkit';
import { initTelemetry, type Telemetry } from '../../src/index.js';

/**
 * Exemplars on an instrumentation library's histogram: instrumentation-http records
 * http.server.request.duration through @opentelemetry/api with no trace context of its own;
 * otelkit attaches the server span that was active.
 */
describe('exemplars on @opentelemetry/instrumentation-http request durations', function () {
  this.timeout(20_000);
  let tel: Telemetry;
  let server: Http.Server;
  let port: number;
  before(async () => {
    tel = initTelemetry({
      serviceName: 'http-exemplars',
      env: {},
      runtimeMetrics: false,
      shutdownHooks: false,
      prometheus: { host: '127.0.0.1', port: 0 },
      instrumentations: [new HttpInstrumentation()],
    });
    await tel.ready;
    // Required after the instrumentation is enabled, so require-in-the-middle patches it.
    const http = createRequire(import.meta.url)('node:http') as typeof Http;
    server = http.createServer((_req, res) => setTimeout(() => res.end('ok'), 5));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });
  after(async () => {
    await new Promise((r) => server?.close(r));
    await tel?.shutdown().catch(() => undefined);
  });

  it('the bucket of each request carries the trace id of its server span', async () => {
    const traceId = 'ab'.repeat(16);
    const parentSpanId = 'cd'.repeat(8);
    const res = await fetch(`http://127.0.0.1:${port}/orders`, { headers: { traceparent: `00-${traceId}-${parentSpanId}-01` } });
    expect(await res.text()).to.equal('ok');
    await new Promise((r) => setTimeout(r, 50));
    const om = await (await fetch(tel.metricsUrl!, { headers: { accept: 'application/openmetrics-text; version=1.0.0' } })).text();
    const families = parseOpenMetricsStrict(om);
    const duration = families.find((f) => f.name === 'http_server_request_duration_seconds');
    expect(duration, 'http_server_request_duration_seconds family').to.not.equal(undefined);
    const exemplars = duration!.samples.filter((s) => s.exemplar !== null).map((s) => s.exemplar!);
    expect(exemplars).to.have.length(1);
    expect(exemplars[0]!.labels.trace_id).to.equal(traceId);
    expect(exemplars[0]!.labels.span_id).to.match(/^[0-9a-f]{16}$/);
    expect(exemplars[0]!.labels.span_id).to.not.equal(parentSpanId);
  });
});
