export { IN_CI, freePort, requirePeer, tempDir, startProcess, waitFor } from './peers.js';
export type { RunningProcess } from './peers.js';
export { startPrometheus, promtoolCheckMetrics, parseOpenMetricsStrict } from './prometheus.js';
export type { PrometheusOptions, PrometheusServer } from './prometheus.js';
