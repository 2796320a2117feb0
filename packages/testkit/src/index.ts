export { IN_CI, freePort, requirePeer, tempDir, startProcess, waitFor } from './peers.js';
export type { RunningProcess } from './peers.js';
export { startPrometheus, promtoolCheckMetrics, parseOpenMetricsStrict } from './prometheus.js';
export type { PrometheusOptions, PrometheusServer } from './prometheus.js';
export { startPushgateway } from './pushgateway.js';
export type { PushgatewayServer } from './pushgateway.js';
export { startOtlpReceiver, ensureOtlpPython, otlpPythonEnv, type DecodedRequest, type ScriptedResponse, type OtlpReceiver, type OtlpReceiverOptions } from './otlp-receiver.js';
export { ensureCollector, startCollector, validateCollectorConfig, SHIPPED_COLLECTOR_CONFIG, type CollectorOptions, type CollectorValidation, type RunningCollector } from './collector.js';
export { startPostgres, postgresBinDir, type PostgresServer } from './postgres.js';
