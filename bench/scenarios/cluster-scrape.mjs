import { fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { optionalImport } from '../lib/setup.mjs';

/*
 * One scrape of a node:cluster service: 8 workers × 10k series each (bench/lib/series.mjs layout,
 * the same series in every worker), merged on the primary into one exposition of 10k series.
 * prom-client: `AggregatorRegistry.clusterMetrics()` (every worker sends `getMetricsAsJSON()`, the
 * primary aggregates into a new Registry and serializes it; text 0.0.4 only, no exemplars).
 * otelkit: `initTelemetry({ cluster: { mode: 'sum' } })` (every worker sends its collection, only
 * the new series' labels; the primary merges into cells and serializes once; OpenMetrics with
 * exemplars as well). Both run in the same processes (bench/cluster/primary.mjs): each sample is
 * one loopback GET of the primary's endpoint, timed there, contestants interleaved. Wall time
 * includes the workers' share (8 workers on this machine's cores); the detail column is the
 * primary's CPU time for the scrape.
 */
const PRIMARY = join(dirname(fileURLToPath(import.meta.url)), '..', 'cluster', 'primary.mjs');

let shared;
let users = 0;

/** The cluster, started once for all contestants of a run. */
function cluster(quick) {
  shared ??= new Promise((resolve, reject) => {
    const child = fork(PRIMARY, [], { env: { ...process.env, WORKERS: quick ? '2' : '8', SERIES: quick ? '1000' : '10000' }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`bench cluster exited with code ${code}`)));
    child.on('message', function ready(m) {
      if (m?.ready) {
        child.off('message', ready);
        resolve(child);
      }
    });
  });
  return shared;
}

function scrape(child, which) {
  return new Promise((resolve, reject) => {
    child.once('message', (m) => (m.status === 200 ? resolve({ value: m.ms * 1e6, extra: m.cpuMs * 1e6 }) : reject(new Error(`${which}: HTTP ${m.status}`))));
    child.send({ cmd: 'scrape', which });
  });
}

function contestant(which) {
  return async (ctx) => {
    const { reason } = await optionalImport('@otelkit/telemetry');
    if (reason !== undefined) return { skip: reason };
    const child = await cluster(ctx.quick);
    users++;
    return {
      sample: () => scrape(child, which),
      teardown: async () => {
        if (--users > 0) return;
        // The exit that rejects a start in progress is expected now.
        child.removeAllListeners('exit');
        const exited = new Promise((r) => child.once('exit', r));
        child.send({ cmd: 'stop' });
        await exited;
        shared = undefined;
      },
    };
  };
}

export default {
  name: 'cluster-scrape',
  title: 'Cluster scrape: 8 workers × 10k series merged on the primary, one GET /metrics',
  per: 'scrape',
  reps: 9,
  quickReps: 2,
  detailLabel: 'primary CPU',
  notes:
    'node:cluster service, 8 workers each holding the same 10k series (90% counters, 10% histograms, labels {route, status}), summed per series into one 10k-series exposition on the primary. ' +
    'prom-client `AggregatorRegistry.clusterMetrics()` (text only, exemplars dropped) vs otelkit `initTelemetry({ cluster })` (text; and OpenMetrics, which prom-client cannot merge). ' +
    'Same processes, same data, interleaved; wall time of one loopback GET, workers included; detail: the primary\'s CPU for that scrape. --quick: 2 workers × 1k.',
  contestants: {
    'prom-client AggregatorRegistry': contestant('prom-client'),
    otelkit: contestant('otelkit'),
    'otelkit, OpenMetrics': contestant('otelkit-openmetrics'),
  },
  targets: [{ label: 'cluster scrape 8 × 10k series, text', num: 'otelkit', den: 'prom-client AggregatorRegistry', max: 0.5 }],
};
