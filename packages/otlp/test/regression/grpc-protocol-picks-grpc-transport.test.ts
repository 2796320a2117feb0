import { expect } from 'chai';
import { ExportResultCode } from '@opentelemetry/core';
import { otlpToFileCollectorConfig, startCollector, type RunningCollector } from '@otelkit/testkit';
import { OTLPMetricExporter } from '../../src/index.js';
import { everyKind } from '../fixtures.js';

/**
 * Regression: `new OTLPMetricExporter({ protocol: 'grpc', url })` without the `transport` part
 * used the OTLP/HTTP transport anyway — an HTTP/1.1 POST of protobuf to a gRPC-only port, which
 * fails every export. Only initTelemetry() passed `grpcTransport()`. The exporter now picks the
 * transport from the protocol (and so does the span exporter).
 */
describe('regression: protocol grpc alone selects the gRPC transport', function () {
  let collector: RunningCollector;
  before(async function () {
    this.timeout(900_000); // the first run may build the collector
    collector = await startCollector({ configYaml: otlpToFileCollectorConfig(['grpc']) });
  });
  after(async () => collector?.stop());

  it('exports to a gRPC-only receiver with no transport given', async () => {
    const exporter = new OTLPMetricExporter({ url: `http://${collector.otlpGrpcEndpoint}`, protocol: 'grpc', timeoutMillis: 5000 });
    try {
      const r = await exporter.exportAsync(everyKind());
      expect(r.code, r.error?.message).to.equal(ExportResultCode.SUCCESS);
      expect(exporter.finalRequest(everyKind())).to.include({ protocol: 'grpc' });
    } finally {
      await exporter.shutdown();
    }
  });
});
