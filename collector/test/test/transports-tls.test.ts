import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { MeterProvider, MetricProducer } from '@otelkit/metrics';
import { OTLPMetricExporter, OTLPTraceExporter, type OtlpMetricsOptions } from '@otelkit/otlp';
import { otlpToFileCollectorConfig, startCollector, tempDir, waitFor, type RunningCollector } from '@otelkit/testkit';
import { makeTestCertificates, type TestCertificates } from './tls-certificates.js';

// TLS and mTLS against the real Collector: its OTLP receiver (gRPC and HTTP) REQUIRES TLS with a
// client certificate signed by the test CA (`client_ca_file`). Certificates are made by openssl
// for this run (tls-certificates.ts). Metrics and traces, gRPC and HTTP, options and the
// standard variables, and both exit paths of initTelemetry() (the synchronous one sends its
// final request from a child process: it must present the client certificate too).
const CONFIG = otlpToFileCollectorConfig(['grpc', 'http'], { traces: true, mtls: true });

const EXIT_JOB = fileURLToPath(new URL('./fixtures/tls-exit-job.mjs', import.meta.url));

function runJob(mode: 'exit' | 'natural', env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [EXIT_JOB], { env: { ...process.env, ...env, MODE: mode, CI: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`job did not end in time:\n${output}`));
    }, 30_000);
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('TLS and mTLS to a Collector that requires client certificates', function () {
  this.timeout(120_000);
  let collector: RunningCollector;
  let certs: TestCertificates;
  let dir: Awaited<ReturnType<typeof tempDir>>;

  before(async function () {
    this.timeout(900_000); // the first run may build the collector
    dir = await tempDir('tls');
    certs = makeTestCertificates(dir.path);
    collector = await startCollector({
      configYaml: CONFIG,
      env: { TLS_SERVER_CERT: certs.serverCert, TLS_SERVER_KEY: certs.serverKey, TLS_CLIENT_CA: certs.caCert },
    });
  });
  after(async () => {
    await collector?.stop();
    await dir?.remove();
  });

  const grpcUrl = (): string => `https://${collector.otlpGrpcEndpoint}`;
  const httpUrl = (): string => collector.otlpHttpUrl.replace(/^http:/, 'https:');
  const mtls = (): OtlpMetricsOptions => ({ certificateFile: certs.caCert, clientCertificateFile: certs.clientCert, clientKeyFile: certs.clientKey });

  /** Metrics of a fresh provider with one counter, the resource marked. */
  const metricsMarked = async (marker: string) => {
    const mp = new MeterProvider();
    mp.getMeter('tls').createCounter('tls.requests').add(7, { marker });
    const { resourceMetrics } = await new MetricProducer(mp.store, resourceFromAttributes({ 'service.name': 'tls-test', marker })).collect();
    return resourceMetrics;
  };

  /** Finished spans named `marker`, from a real TracerProvider. */
  const spansMarked = async (marker: string): Promise<ReadableSpan[]> => {
    const memory = new InMemorySpanExporter();
    const tp = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': 'tls-test', marker }), spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] });
    tp.getTracer('tls').startSpan(marker).end();
    await tp.forceFlush();
    return memory.getFinishedSpans();
  };

  const hasMarker = (resource: any, marker: string): boolean =>
    resource?.attributes?.some((a: any) => (a.key === 'marker' || a.key === 'service.instance.id') && a.value.stringValue === marker) ?? false;

  const arrived = async (marker: string, kind: 'metrics' | 'spans', timeoutMs = 10_000): Promise<void> => {
    await waitFor(`${kind} marked ${marker} in the collector's file`, async () => {
      for (const line of await collector.readTraceFile()) {
        const list = kind === 'metrics' ? line.resourceMetrics : line.resourceSpans;
        if (list?.some((r: any) => hasMarker(r.resource, marker))) return true;
      }
      return undefined;
    }, timeoutMs, 100);
  };

  const neverArrived = async (marker: string): Promise<void> => {
    await new Promise((r) => setTimeout(r, 400)); // the file exporter flushes every 100 ms
    const lines = await collector.readTraceFile();
    expect(lines.some((l) => [...(l.resourceMetrics ?? []), ...(l.resourceSpans ?? [])].some((r: any) => hasMarker(r.resource, marker)))).to.equal(false);
  };

  for (const protocol of ['grpc', 'http/protobuf'] as const) {
    const url = () => (protocol === 'grpc' ? grpcUrl() : `${httpUrl()}/v1/metrics`);

    it(`${protocol} metrics: with the CA and the client certificate (options) the export succeeds`, async () => {
      const marker = `m-ok-${protocol}`;
      const exporter = new OTLPMetricExporter({ url: url(), protocol, timeoutMillis: 5000, ...mtls() });
      try {
        const r = await exporter.exportAsync(await metricsMarked(marker));
        expect(r.code, r.error?.message).to.equal(ExportResultCode.SUCCESS);
      } finally {
        await exporter.shutdown();
      }
      await arrived(marker, 'metrics');
    });

    const refused: Array<[string, () => OtlpMetricsOptions, RegExp]> = [
      ['without a client certificate', () => ({ certificateFile: certs.caCert }), /./],
      ['with a client certificate from another CA', () => ({ certificateFile: certs.caCert, clientCertificateFile: certs.rogueClientCert, clientKeyFile: certs.rogueClientKey }), /./],
      // Node's trust store does not know the test CA: the client refuses the server.
      ['without the CA (Node trust store)', () => ({ clientCertificateFile: certs.clientCert, clientKeyFile: certs.clientKey }), /certificate|self.signed|verify/i],
    ];
    for (const [what, options, message] of refused) {
      it(`${protocol} metrics: ${what} the export fails and nothing arrives`, async () => {
        const marker = `m-refused-${protocol}-${what}`;
        const exporter = new OTLPMetricExporter({ url: url(), protocol, timeoutMillis: 1500, retry: { initialBackoffMillis: 100, maxBackoffMillis: 200 }, ...options() });
        try {
          const r = await exporter.exportAsync(await metricsMarked(marker));
          expect(r.code).to.equal(ExportResultCode.FAILED);
          expect(r.error?.message).to.match(message);
        } finally {
          await exporter.shutdown().catch(() => undefined);
        }
        await neverArrived(marker);
      });
    }

    it(`${protocol} traces: OTLPTraceExporter with mTLS delivers spans; without the client certificate it fails`, async () => {
      const traceUrl = protocol === 'grpc' ? grpcUrl() : `${httpUrl()}/v1/traces`;
      const ok = new OTLPTraceExporter({ url: traceUrl, protocol, timeoutMillis: 5000, ...mtls() });
      const refusedExporter = new OTLPTraceExporter({ url: traceUrl, protocol, timeoutMillis: 1500, retry: { initialBackoffMillis: 100, maxBackoffMillis: 200 }, certificateFile: certs.caCert });
      try {
        const r = await ok.exportAsync(await spansMarked(`t-ok-${protocol}`));
        expect(r.code, r.error?.message).to.equal(ExportResultCode.SUCCESS);
        const bad = await refusedExporter.exportAsync(await spansMarked(`t-refused-${protocol}`));
        expect(bad.code).to.equal(ExportResultCode.FAILED);
      } finally {
        await ok.shutdown();
        await refusedExporter.shutdown().catch(() => undefined);
      }
      await arrived(`t-ok-${protocol}`, 'spans');
      await neverArrived(`t-refused-${protocol}`);
    });

    for (const mode of ['natural', 'exit'] as const) {
      it(`initTelemetry() from the standard variables, ${protocol}, ${mode === 'exit' ? 'process.exit() (the exit-path child presents the client certificate)' : 'asynchronous shutdown'}: metrics and spans arrive`, async () => {
        const instance = `job-${protocol}-${mode}`;
        const r = await runJob(mode, {
          OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
          OTEL_EXPORTER_OTLP_ENDPOINT: protocol === 'grpc' ? grpcUrl() : httpUrl(),
          OTEL_EXPORTER_OTLP_CERTIFICATE: certs.caCert,
          // Per-signal forms for metrics, generic ones for traces: both must be read.
          OTEL_EXPORTER_OTLP_METRICS_CLIENT_CERTIFICATE: certs.clientCert,
          OTEL_EXPORTER_OTLP_METRICS_CLIENT_KEY: certs.clientKey,
          OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: certs.clientCert,
          OTEL_EXPORTER_OTLP_CLIENT_KEY: certs.clientKey,
          OTEL_METRICS_EXPORTER: 'otlp',
          OTEL_TRACES_EXPORTER: 'otlp',
          OTEL_RESOURCE_ATTRIBUTES: `service.instance.id=${instance}`,
        });
        expect(r.code, r.output).to.equal(mode === 'exit' ? 4 : 3);
        expect(r.output).not.to.match(/final export on exit failed|failed/);
        await arrived(instance, 'metrics');
        // Spans go through the batch processor: on process.exit() there is no event-loop turn to
        // export them (the exit path sends metrics only); the asynchronous shutdown flushes them.
        if (mode === 'natural') await arrived(instance, 'spans');
      });
    }
  }

  it('per-signal protocols: metrics over OTLP/HTTP, traces over OTLP/gRPC (OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=grpc), both with mTLS', async () => {
    const instance = 'job-mixed-protocols';
    const r = await runJob('natural', {
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${httpUrl()}/v1/metrics`,
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: grpcUrl(),
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc',
      OTEL_EXPORTER_OTLP_CERTIFICATE: certs.caCert,
      OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: certs.clientCert,
      OTEL_EXPORTER_OTLP_CLIENT_KEY: certs.clientKey,
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_RESOURCE_ATTRIBUTES: `service.instance.id=${instance}`,
    });
    expect(r.code, r.output).to.equal(3);
    await arrived(instance, 'metrics');
    await arrived(instance, 'spans');
  });

  it('a certificate file that cannot be read is a ConfigError naming the variable, at initTelemetry()', async () => {
    const r = await runJob('exit', {
      OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl(),
      OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE: `${certs.dir}/missing-ca.pem`,
      OTEL_TRACES_EXPORTER: 'otlp',
    });
    expect(r.code).to.not.equal(4);
    expect(r.output).to.match(/OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE: cannot read ".*missing-ca\.pem" \(ENOENT\)/);
  });
});
