// node --expose-gc bench/heap/child.mjs <prom-client|otel-sdk|otelkit> <series> <mixed|counters|histograms>
// Prints {"created": bytes/series, "scraped": bytes/series} on stdout. Run by bench/scenarios/heap-per-series.mjs.
import { otelkit, otelkitScrape, otelSdk, promRegistry } from '../lib/setup.mjs';
import { populateMeter, populateProm } from '../lib/series.mjs';

const [contestant, seriesArg, layout = 'mixed'] = process.argv.slice(2);
const total = Number(seriesArg);
if (typeof gc !== 'function') throw new Error('run with node --expose-gc');

function heap() {
  // Several passes: weak callbacks and finalizers can free more on the next one.
  for (let i = 0; i < 4; i++) gc();
  return process.memoryUsage().heapUsed;
}

// Libraries loaded and the empty registry/provider made before the baseline: only series count.
let populate;
let scrape;
if (contestant === 'prom-client') {
  const registry = promRegistry();
  populate = () => populateProm(registry, total, layout);
  scrape = () => registry.metrics();
} else if (contestant === 'otel-sdk') {
  const sdk = otelSdk();
  populate = () => populateMeter(sdk.meter, total, layout);
  scrape = () => sdk.collectText();
} else if (contestant === 'otelkit') {
  const kit = otelkit();
  const s = await otelkitScrape(kit.store, 'text');
  if (s.skip !== undefined) {
    process.stdout.write(JSON.stringify({ skip: s.skip }));
    process.exit(0);
  }
  populate = () => populateMeter(kit.meter, total, layout);
  scrape = s.scrape;
} else {
  throw new Error(`unknown contestant ${contestant}`);
}

/**
 * The body must not outlive this frame: a value awaited at top level stays reachable from the
 * module's suspended frame and kept the whole 8–10 MB body alive in the measurement (measured).
 */
async function scrapeOnce() {
  const body = await scrape();
  return body.length;
}

const before = heap();
populate();
const created = heap();
const bodyLength = await scrapeOnce();
await new Promise((resolve) => setImmediate(resolve));
const scraped = heap();
process.stdout.write(JSON.stringify({ created: (created - before) / total, scraped: (scraped - before) / total, bodyLength }));
