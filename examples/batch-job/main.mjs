// A venue-scraper-style batch job: each command runs for a moment and exits, and every one of
// them — the failing one too — pushes its metrics to a Pushgateway (and OTLP, when configured)
// before the process ends.
//
//   PUSHGATEWAY_URL=http://127.0.0.1:9091 node examples/batch-job/main.mjs ingest
//   node main.mjs <ingest|parse|fail>
//
// Env: PUSHGATEWAY_URL (the gateway; without it nothing is pushed), ITEMS (records per run,
// default 40), JOB_INSTANCE (the `instance` grouping label, default the host name),
// OTEL_EXPORTER_OTLP_ENDPOINT and the other standard OTEL_* variables.
import { hostname } from 'node:os';
import { initTelemetry } from '@otelkit/telemetry';

const COMMANDS = ['ingest', 'parse', 'fail'];
const command = process.argv[2];
if (!COMMANDS.includes(command)) {
  console.error(`usage: node main.mjs <${COMMANDS.join('|')}>`);
  process.exit(2);
}

const pushgatewayUrl = process.env.PUSHGATEWAY_URL;
if (!pushgatewayUrl) console.error('batch-job: PUSHGATEWAY_URL is not set; metrics go only to OTLP, if configured');

const tel = initTelemetry({
  serviceName: process.env.OTEL_SERVICE_NAME ?? 'venue-scraper',
  serviceVersion: '0.1.0',
  // A job that lives for seconds has nothing to scrape: no /metrics server.
  prometheus: false,
  runtimeMetrics: false,
  ...(pushgatewayUrl
    ? {
        pushgateway: {
          url: pushgatewayUrl,
          // One group per command and host: a run replaces (PUT) the previous run of the same command.
          job: `venue-scraper-${command}`,
          groupingLabels: { instance: process.env.JOB_INSTANCE ?? hostname() },
        },
      }
    : {}),
});

const meter = tel.meter('venue-scraper', '0.1.0');
const items = meter.createCounter('batch.items', { description: 'Records handled, by command and outcome.', unit: '{item}' });
const itemDuration = meter.createHistogram('batch.item.duration', {
  description: 'Time to handle one record.',
  unit: 's',
  advice: { explicitBucketBoundaries: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05] },
});
const failures = meter.createCounter('batch.failures', { description: 'Runs that ended in an error, by command and reason.', unit: '{run}' });
const lastSuccess = meter.createGauge('batch.last_success.time', { description: 'Unix time of the last run that succeeded.', unit: 's' });
// Bound handles: no attribute hashing per record.
const outcome = {
  ok: items.bind({ command, outcome: 'ok' }),
  skipped: items.bind({ command, outcome: 'skipped' }),
  invalid: items.bind({ command, outcome: 'invalid' }),
};
const duration = itemDuration.bind({ command });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Synthetic work on record `i`: every 10th is a duplicate (ingest), every 7th from the 4th on is malformed (parse). */
async function handle(kind, i) {
  const t0 = performance.now();
  await sleep(1 + (i % 3));
  if (kind === 'ingest' && i % 10 === 9) outcome.skipped.add(1);
  else if (kind === 'parse' && i % 7 === 3) outcome.invalid.add(1);
  else outcome.ok.add(1);
  duration.record((performance.now() - t0) / 1000);
}

async function run() {
  const n = Number(process.env.ITEMS ?? 40);
  console.log(`batch-job ${command}: ${n} records`);
  if (command === 'fail') {
    // Gets halfway through an ingest, then the feed goes away.
    for (let i = 0; i < n / 2; i++) await handle('ingest', i);
    throw new FeedError('venue feed unreachable after ' + n / 2 + ' records');
  }
  for (let i = 0; i < n; i++) await handle(command, i);
}

class FeedError extends Error {
  name = 'FeedError';
}

try {
  await run();
  lastSuccess.record(Date.now() / 1000);
  console.log(`batch-job ${command}: done`);
  // The event loop empties and the exit hooks push (exit code 0).
} catch (e) {
  failures.add(1, { command, reason: e.name });
  // Rethrown on purpose: the process dies of it (exit code 1) and the exit hook still pushes
  // the metrics above synchronously, failure counter included.
  throw e;
}
