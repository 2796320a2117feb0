// A service's telemetry set up the otelkit way: one initTelemetry() call (resource, tracer and
// meter providers, runtime metrics, the /metrics server). Exits once its first scrape is served;
// bench/scenarios/startup.mjs times the whole process.
import { initTelemetry } from '@otelkit/telemetry';
import { scrapeOnceAndExit } from './first-scrape.mjs';

const telemetry = initTelemetry({ serviceName: 'bench-startup', prometheus: { host: '127.0.0.1', port: 0 } });
await telemetry.ready;
scrapeOnceAndExit(telemetry.metricsUrl);
