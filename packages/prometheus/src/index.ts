export { serializeText, serializeTextBuffer, TEXT_CONTENT_TYPE } from './text-serializer.js';
export { serializeOpenMetrics, serializeOpenMetricsBuffer, OPENMETRICS_CONTENT_TYPE } from './openmetrics-serializer.js';
export type { SerializeOptions } from './exposition-writer.js';
export type { TargetInfoIdentity } from './target-info.js';
export {
  prometheusMetricName,
  prometheusLabelName,
  prometheusUnit,
  prometheusType,
  openMetricsFamilyName,
  RENAMED_BUCKET_LABEL,
} from './naming.js';
export type { PrometheusType } from './naming.js';
export { exemplarLabelSet, EXEMPLAR_LABEL_BUDGET } from './exemplar-labels.js';
export { createAccessGuard, MetricsAuthConfigError } from './auth.js';
export type { MetricsAuthOptions, AccessDecision, AccessGuard } from './auth.js';
export { PushgatewayPusher } from './pushgateway.js';
export type { PushgatewayOptions, PushgatewayHealth } from './pushgateway.js';
export { PushError, PushgatewayConfigError } from './pushgateway-errors.js';
export { groupingPath } from './grouping-key.js';
export { negotiate, acceptsGzip, contentTypeOf } from './negotiate.js';
export type { ExpositionFormat } from './negotiate.js';
export { createMetricsHandler } from './handler.js';
export type { MetricsHandler, MetricsHandlerOptions } from './handler.js';
export { startMetricsServer } from './server.js';
export type { MetricsServer, MetricsServerOptions, ListenOptions, ServeHandlerOptions } from './server.js';
export { PortInUseError, PrometheusConfigError } from './errors.js';
