import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { hrtime } from 'node:process';
import { fileURLToPath } from 'node:url';

/*
 * Whole-process startup: wall time from spawn to exit of a service that sets up its telemetry,
 * serves one scrape of its /metrics to itself and exits (bench/startup/*.mjs): process start to
 * first served scrape, as the issue measures it (work moved past `listen` still counts). Module loading is most
 * of it, so this is what a user waits for on every deploy and every short-lived job. "node" is
 * the same process without a metrics library: the floor nobody can go under.
 */
const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'startup');
/** Preload that reports the child's CPU time (bench/startup/cpu-time.mjs): the detail column. */
const cpuTime = join(dir, 'cpu-time.mjs');

/** OTEL_* variables of the calling shell must not change what the otelkit service sets up. */
function cleanEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OTEL_') && k !== 'NODE_OPTIONS') env[k] = v;
  return env;
}

function contestant(script) {
  return () => {
    const env = cleanEnv();
    const run = () => {
      const t0 = hrtime.bigint();
      const r = spawnSync(process.execPath, ['--import', cpuTime, join(dir, script)], { env, encoding: 'utf8', timeout: 30_000 });
      const ns = Number(hrtime.bigint() - t0);
      if (r.status !== 0) {
        const why = (r.stderr || r.error?.message || `exit ${r.status}`).split('\n').find((l) => /Error|error/.test(l)) ?? `exit ${r.status}`;
        return { failed: why.trim().slice(0, 200) };
      }
      const cpu = /startup-cpu-us (\d+)/.exec(r.stderr);
      return { ns, cpuNs: cpu === null ? undefined : Number(cpu[1]) * 1000 };
    };
    // The first run also fills the file cache, for every contestant alike.
    const first = run();
    if (first.failed !== undefined) return { skip: `bench/startup/${script} failed: ${first.failed}` };
    return {
      sample: () => {
        const r = run();
        if (r.failed !== undefined) throw new Error(`bench/startup/${script} failed: ${r.failed}`);
        return r.cpuNs === undefined ? r.ns : { value: r.ns, extra: r.cpuNs };
      },
    };
  };
}

export default {
  name: 'startup',
  title: 'Whole-process startup to the first served scrape',
  notes:
    'Wall time from spawn to exit of `bench/startup/<name>.mjs`: a service that sets up its telemetry (otelkit: `initTelemetry()` with its /metrics server; prom-client: `collectDefaultMetrics()` and an HTTP server serving the registry), serves its first scrape (one GET of its own /metrics over loopback, the body read) and exits. ' +
    'The detail column is the process\'s CPU time (user + system, all threads, read at exit by a preloaded bench/startup/cpu-time.mjs): on a shared machine it moves less than wall time. ' +
    '`node` is the same without a metrics library (its server answers the GET with `ok`); *node + @opentelemetry/api* adds only the import of the OpenTelemetry API, which any OpenTelemetry SDK pays (otelkit shares the application\'s API, never bundles it) and prom-client does not; *prom-client + @opentelemetry/api* is the prom-client service in an application that loads the API too (any service with OpenTelemetry tracing); *otelkit metrics only* is `@otelkit/metrics` + `@otelkit/prometheus` without `initTelemetry()` (no tracing, resource detection, runtime metrics, instrumentation), a reference point. Module loading is most of it.',
  per: 'process',
  detailLabel: 'CPU time (all threads)',
  reps: 15,
  quickReps: 1,
  warmup: false,
  contestants: {
    'prom-client': contestant('prom-client.mjs'),
    otelkit: contestant('otelkit.mjs'),
    'otelkit metrics only': contestant('otelkit-metrics-only.mjs'),
    node: contestant('node.mjs'),
    'node + @opentelemetry/api': contestant('node-otel-api.mjs'),
    'prom-client + @opentelemetry/api': contestant('prom-client-otel-api.mjs'),
  },
  targets: [{ label: 'startup, whole process (initTelemetry() vs collectDefaultMetrics())', num: 'otelkit', den: 'prom-client', max: 1.1 }],
};
