// The existing setup of many services: NodeSDK started first, owning traces (exported over OTLP
// as configured by OTEL_TRACES_EXPORTER / OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) and, with
// OTEL_METRICS_EXPORTER=none, no metrics.
import { NodeSDK } from '@opentelemetry/sdk-node';

export const sdk = new NodeSDK({ serviceName: 'consumer-nodesdk' });
sdk.start();
