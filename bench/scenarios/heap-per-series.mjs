import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { otelkit, otelkitScrape } from '../lib/setup.mjs';

/*
 * Heap per series: a fresh `node --expose-gc` child per measurement builds N series (layout of
 * bench/lib/series.mjs), then reports the heapUsed delta (after full GCs) divided by N, against a
 * baseline taken with the library loaded and its empty registry/provider made. The value is the
 * steady state of a scraped service: after one scrape, since a scrape may build caches (otelkit
 * keeps each series' escaped label string; sdk-metrics keeps per-reader accumulations). The
 * column "before any scrape" is the delta right after the series were made.
 */
const run = promisify(execFile);
const child = join(dirname(fileURLToPath(import.meta.url)), '..', 'heap', 'child.mjs');

function contestant(name, total, layout) {
  return async () => {
    const measure = async () => {
      const { stdout } = await run(process.execPath, ['--expose-gc', child, name, String(total), layout], { maxBuffer: 1 << 20 });
      return JSON.parse(stdout);
    };
    if (name === 'otelkit') {
      const { skip } = await otelkitScrape(otelkit().store);
      if (skip !== undefined) return { skip };
    }
    return {
      sample: async () => {
        const m = await measure();
        return { value: m.scraped, extra: m.created };
      },
    };
  };
}

function scenario(name, title, total, quickTotal, layout, target) {
  const contestants = {};
  for (const c of ['prom-client', 'otel-sdk', 'otelkit']) {
    contestants[c] = (ctx) => contestant(c, ctx.quick ? quickTotal : total, layout)();
  }
  return {
    name,
    title,
    // --quick builds fewer series: fixed costs weigh more per series, so its ratio is not the 50k one.
    quickTitle: title.replace(/\b50k series\b/, `${quickTotal / 1000}k series (--quick; the full run builds ${total / 1000}k)`),
    unit: 'B',
    reps: 5,
    quickReps: 1,
    warmup: false,
    quick: layout === 'mixed',
    detailLabel: 'before any scrape',
    notes:
      'Fresh `node --expose-gc` child per measurement: heapUsed after full GCs, with the series built and scraped once (the steady state of a scraped service), minus the same with the library loaded and its registry/provider empty, divided by the series count. ' +
      '"before any scrape" is the same delta before the first scrape. Series layout as in the scrape scenarios.',
    contestants,
    targets: target ? [{ label: 'heap per series at 50k (after a scrape)', num: 'otelkit', den: 'prom-client', max: 1.0 }] : [],
  };
}

export default [
  scenario('heap-50k', 'Heap per series, 50k series (90% counters, 10% histograms)', 50_000, 2_000, 'mixed', true),
  scenario('heap-50k-counters', 'Heap per series, 50k counter series', 50_000, 2_000, 'counters', false),
  scenario('heap-50k-histograms', 'Heap per series, 50k histogram series', 50_000, 2_000, 'histograms', false),
];
