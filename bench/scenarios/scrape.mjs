import { hrtime } from 'node:process';
import { otelkit, otelkitScrape, otelSdk, promRegistry } from '../lib/setup.mjs';
import { populateMeter, populateProm } from '../lib/series.mjs';

/*
 * One scrape = what a /metrics handler does before writing the body: collect (observable
 * callbacks; none here) and serialize every series to a string. prom-client:
 * `registry.metrics()`; raw OTel: `exporter.collect()` + `PrometheusSerializer.serialize()` (what
 * its handler runs; it has no OpenMetrics, so it writes text 0.0.4 in both formats); otelkit:
 * `@otelkit/prometheus` over the MeterProvider's store.
 * Series layout: bench/lib/series.mjs (90% counters, 10% histograms, 2 labels).
 */

const SIZES = [
  { label: '1k', n: 1_000, quick: true },
  { label: '10k', n: 10_000, target: true },
  { label: '50k', n: 50_000, target: true },
];

function bytes(s) {
  return `${(Buffer.byteLength(s) / 1024).toFixed(0)} KiB`;
}

function scenario(size, format) {
  const om = format === 'openmetrics';
  return {
    name: `scrape-${size.label}-${format}`,
    title: `Scrape ${size.label} series, ${om ? 'OpenMetrics 1.0' : 'text 0.0.4'}`,
    quick: size.quick === true,
    batchMs: 300,
    detailLabel: 'body size',
    notes:
      'What a /metrics handler does before writing the body: collect and serialize every series to a string. prom-client `registry.metrics()`; otel-sdk `collect()` + `PrometheusSerializer` (what its handler runs; it has no OpenMetrics); otelkit `store.collect()` around `serialize' +
      (om ? 'OpenMetrics' : 'Text') +
      '()` with its defaults (scope labels on). Series: families of 100 with labels {route, status}, every 10th family a histogram (14 lines per series), the rest counters. ' +
      'otelkit caches each series\' escaped labels on its first scrape; *first scrape* times that one-time cost on a fresh store.',
    contestants: {
      'prom-client': async () => {
        const registry = promRegistry(om);
        populateProm(registry, size.n);
        return { fn: () => registry.metrics(), async: true, detail: bytes(await registry.metrics()) };
      },
      [om ? 'otel-sdk (always text)' : 'otel-sdk']: async () => {
        const sdk = otelSdk();
        populateMeter(sdk.meter, size.n);
        return { fn: () => sdk.collectText(), async: true, detail: bytes(await sdk.collectText()), teardown: sdk.shutdown };
      },
      otelkit: async () => {
        const kit = otelkit();
        const { scrape, skip } = await otelkitScrape(kit.store, format);
        if (skip !== undefined) return { skip };
        populateMeter(kit.meter, size.n);
        return { fn: scrape, async: true, detail: bytes(await scrape()) };
      },
      // Each series' escaped label string is cached on its first scrape: this is that one-time cost.
      'otelkit, first scrape': async () => {
        const probe = await otelkitScrape(otelkit().store, format);
        if (probe.skip !== undefined) return { skip: probe.skip };
        return {
          sample: async () => {
            const kit = otelkit();
            const { scrape } = await otelkitScrape(kit.store, format);
            populateMeter(kit.meter, size.n);
            const t0 = hrtime.bigint();
            await scrape();
            return Number(hrtime.bigint() - t0);
          },
        };
      },
    },
    targets: size.target
      ? [{ label: `scrape ${size.label} series, ${om ? 'OpenMetrics' : 'text'}`, num: 'otelkit', den: 'prom-client', max: 0.5 }]
      : [],
  };
}

export default SIZES.flatMap((size) => [scenario(size, 'text'), scenario(size, 'openmetrics')]);
