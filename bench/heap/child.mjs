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

/**
 * heap() once it stops falling: right after the scrape, about one run in six still counted the
 * whole body (otelkit 50000 mixed: ~300 or ~530 B per series, the difference being the 11 MB
 * body) — not retained (a heap snapshot's GC freed it), only not yet collectable by gc(); a few
 * event-loop turns later it is.
 */
async function settledHeap() {
  let h = heap();
  for (let i = 0; i < 10; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    const next = heap();
    if (next > h * 0.995) return Math.min(h, next);
    h = next;
  }
  return h;
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
const scraped = await settledHeap();
process.stdout.write(JSON.stringify({ created: (created - before) / total, scraped: (scraped - before) / total, bodyLength }));
