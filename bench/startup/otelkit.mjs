// A service's telemetry set up the otelkit way: one initTelemetry() call (resource, tracer and
// meter providers, runtime metrics, the /metrics server). Exits as soon as the server listens;
// bench/scenarios/startup.mjs times the whole process.
import { initTelemetry } from '@otelkit/telemetry';

const telemetry = initTelemetry({ serviceName: 'bench-startup', prometheus: { host: '127.0.0.1', port: 0 } });
await telemetry.ready;
process.exit(0);
