// Reference point, not a target: otelkit's metrics path alone (MeterProvider + /metrics server,
// no initTelemetry: no tracing, resource detection, runtime metrics or instrumentation), to show
// how much of otelkit's startup is the metrics core. Exits as soon as the server listens.
import { MeterProvider } from '@otelkit/metrics';
import { startMetricsServer } from '@otelkit/prometheus';

const provider = new MeterProvider();
await startMetricsServer({ store: provider.store, host: '127.0.0.1', port: 0 });
process.exit(0);
