import { createServer } from 'node:http';
import { once } from 'node:events';
import { OTLPMetricExporter as UpstreamExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { MetricProducer } from '@otelkit/metrics';
import { optionalImport, otelkit, otelSdk } from '../lib/setup.mjs';
import { populateMeter } from '../lib/series.mjs';

/*
 * OTLP/HTTP protobuf export of 10k series (layout of bench/lib/series.mjs) to a loopback receiver
 * that reads and discards the body and answers 200: collect + serialize + send + response, one
 * export per operation, no compression. Upstream: sdk-metrics MeterProvider, its reader's
 * collect(), `@opentelemetry/exporter-metrics-otlp-proto`. otelkit: `MetricProducer` over the
 * store, `@otelkit/otlp` (which also writes exemplars; none here, exemplars are off).
 * "otelkit store → upstream exporter" isolates the exporter from the collection.
 */

async function receiver() {
  const stats = { requests: 0, bytes: 0 };
  const server = createServer((req, res) => {
    req.on('data', (chunk) => {
      stats.bytes += chunk.length;
    });
    req.on('end', () => {
      stats.requests++;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' });
      res.end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${server.address().port}/v1/metrics`;
  return {
    url,
    stats,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

function upstreamExport(exporter, rm) {
  return new Promise((resolve, reject) => {
    exporter.export(rm, (result) => (result.code === 0 ? resolve() : reject(result.error ?? new Error('export failed'))));
  });
}

function size(stats) {
  return `${(stats.bytes / stats.requests / 1024).toFixed(0)} KiB`;
}

export default {
  name: 'otlp-export',
  title: 'OTLP/HTTP protobuf export of 10k series to a loopback receiver',
  notes:
    'One export per operation: collect, serialize, POST to an in-process loopback HTTP server that reads and discards the body, wait for its 200. No compression. No target in the issue; shown so a regression is visible. ' +
    '"otelkit store + upstream exporter" feeds otelkit\'s MetricProducer output to `@opentelemetry/exporter-metrics-otlp-proto`, separating collection from encoding.',
  detailLabel: 'request body',
  batchMs: 300,
  contestants: {
    'otel-sdk + upstream exporter': async (ctx) => {
      const rx = await receiver();
      const sdk = otelSdk();
      populateMeter(sdk.meter, ctx.quick ? 1_000 : 10_000);
      const exporter = new UpstreamExporter({ url: rx.url });
      const fn = async () => upstreamExport(exporter, (await sdk.exporter.collect()).resourceMetrics);
      await fn();
      return { fn, async: true, detail: size(rx.stats), teardown: async () => { await exporter.shutdown(); await sdk.shutdown(); await rx.close(); } };
    },
    'otelkit store + upstream exporter': async (ctx) => {
      const rx = await receiver();
      const kit = otelkit();
      populateMeter(kit.meter, ctx.quick ? 1_000 : 10_000);
      const producer = new MetricProducer(kit.store);
      const exporter = new UpstreamExporter({ url: rx.url });
      const fn = async () => upstreamExport(exporter, (await producer.collect()).resourceMetrics);
      await fn();
      return { fn, async: true, detail: size(rx.stats), teardown: async () => { await exporter.shutdown(); await rx.close(); } };
    },
    otelkit: async (ctx) => {
      const { module: otlp, reason } = await optionalImport('@otelkit/otlp');
      if (typeof otlp?.OTLPMetricExporter !== 'function') return { skip: reason ?? '@otelkit/otlp has no OTLPMetricExporter yet' };
      const rx = await receiver();
      const kit = otelkit();
      populateMeter(kit.meter, ctx.quick ? 1_000 : 10_000);
      const producer = new MetricProducer(kit.store);
      const exporter = new otlp.OTLPMetricExporter({ url: rx.url });
      const fn = async () => {
        const result = await exporter.exportAsync((await producer.collect()).resourceMetrics);
        if (result.code !== 0) throw result.error ?? new Error('export failed');
      };
      await fn();
      return { fn, async: true, detail: size(rx.stats), teardown: async () => { await exporter.shutdown(); await rx.close(); } };
    },
  },
  targets: [],
};
