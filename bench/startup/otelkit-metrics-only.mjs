// Reference point, not a target: otelkit's metrics path alone (MeterProvider + /metrics server,
// no initTelemetry: no tracing, resource detection, runtime metrics or instrumentation), to show
// how much of otelkit's startup is the metrics core. Exits once its first scrape is served.
import { MeterProvider } from '@otelkit/metrics';
import { startMetricsServer } from '@otelkit/prometheus';
import { scrapeOnceAndExit } from './first-scrape.mjs';

const provider = new MeterProvider();
const server = await startMetricsServer({ store: provider.store, host: '127.0.0.1', port: 0 });
scrapeOnceAndExit(server.url);
