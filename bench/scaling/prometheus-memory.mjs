#!/usr/bin/env node
/*
 * Prometheus memory per active series, for docs/SCALING.md: a real Prometheus scrapes otelkit's
 * /metrics (text 0.0.4, bench/lib/series.mjs' mixed layout: 2.3 samples per OTLP series) at two
 * sizes; after the head block holds them, its own metrics give heap in use and RSS. The slope
 * between the two sizes is the cost of one more series (the fixed cost of the process cancels).
 *
 *   node bench/scaling/prometheus-memory.mjs [--small 5000] [--large 50000]   (OTLP series each)
 */
import { createServer } from 'node:http';
import { once } from 'node:events';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { serializeTextBuffer } from '@otelkit/prometheus';
import { startPrometheus, waitFor } from '../../packages/testkit/dist/index.js';
import { otelkit } from '../lib/setup.mjs';
import { populateMeter } from '../lib/series.mjs';

const { values: args } = parseArgs({ options: { small: { type: 'string', default: '5000' }, large: { type: 'string', default: '50000' } } });

async function measure(series) {
  const kit = otelkit();
  populateMeter(kit.meter, series);
  const body = (await kit.store.collect((view) => serializeTextBuffer(view))).result;
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
    res.end(body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const prom = await startPrometheus({ targets: [`127.0.0.1:${server.address().port}`], scrapeIntervalSeconds: 2 });
  try {
    await prom.waitForTargetsUp(60_000);
    const value = async (name) => {
      const text = await (await fetch(`${prom.url}/metrics`)).text();
      return Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1]);
    };
    const headSeries = await waitFor('the head to hold every series', async () => {
      const n = await value('prometheus_tsdb_head_series');
      return n > series ? n : undefined;
    }, 60_000, 500);
    // Let a few more scrapes land (chunks get samples), then force a GC-stable reading: take the
    // lowest heap-in-use of several readings (Go's heap breathes between collections).
    await new Promise((r) => setTimeout(r, 10_000));
    const heaps = [];
    for (let i = 0; i < 5; i++) {
      heaps.push(await value('go_memstats_heap_inuse_bytes'));
      await new Promise((r) => setTimeout(r, 1000));
    }
    return { otlpSeries: series, headSeries, heapInuseMiB: Math.min(...heaps) / 1048576, rssMiB: (await value('process_resident_memory_bytes')) / 1048576, bodyBytes: body.length };
  } finally {
    await prom.stop();
    server.closeAllConnections();
    server.close();
  }
}

const loadStart = loadavg().map((x) => +x.toFixed(2));
const small = await measure(Number(args.small));
const large = await measure(Number(args.large));
const d = large.headSeries - small.headSeries;
console.log(JSON.stringify({
  node: process.version,
  loadStart,
  small,
  large,
  perHeadSeries: {
    heapInuseBytes: Math.round(((large.heapInuseMiB - small.heapInuseMiB) * 1048576) / d),
    rssBytes: Math.round(((large.rssMiB - small.rssMiB) * 1048576) / d),
  },
  loadEnd: loadavg().map((x) => +x.toFixed(2)),
}, null, 2));
process.exit(0);
