// Phases of bench/startup/otelkit.mjs inside the process (bench/tools/startup-phases.mjs prints them):
// performance.now() counts from the process's time origin.
const t0 = performance.now();
const { get } = await import('node:http');
const { initTelemetry } = await import('@otelkit/telemetry');
const t1 = performance.now();
const telemetry = initTelemetry({ serviceName: 'bench-startup', prometheus: { host: '127.0.0.1', port: 0 } });
const t2 = performance.now();
await telemetry.ready;
const t3 = performance.now();
get(telemetry.metricsUrl, (res) => {
  res.resume();
  res.on('end', () => {
    process.stdout.write(JSON.stringify({ bootstrap: t0, import: t1 - t0, init: t2 - t1, listen: t3 - t2, scrape: performance.now() - t3 }) + '\n');
    process.exit(0);
  });
});
