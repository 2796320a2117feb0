import type { ExporterHealthInput } from '@otelkit/meters';
import type { ExporterHealth } from '@otelkit/otlp';
import type { PushgatewayHealth } from '@otelkit/prometheus';
import type { ClusterHealth } from './cluster/cluster-aggregation.js';
import type { CoexistenceFinding } from './coexistence.js';
import type { PrometheusEndpointHealth, TelemetryComponent } from './components/component.js';

export interface HealthReport {
  /** `ok`: every configured exporter works; `degraded`: one failed, or a `coexistence` finding degrades; `disabled`: OTEL_SDK_DISABLED. */
  readonly status: 'ok' | 'degraded' | 'disabled' | 'shutdown';
  readonly serviceName: string;
  readonly serviceInstanceId: string;
  readonly uptimeSeconds: number;
  readonly series: number;
  readonly prometheus: PrometheusEndpointHealth;
  readonly exporters: Readonly<Record<string, ExporterHealth>>;
  /** Present when a Pushgateway is configured. */
  readonly pushgateway?: PushgatewayHealth;
  /** Malformed environment values that were ignored. */
  readonly configWarnings: readonly string[];
  /** Other OpenTelemetry setups found at startup (providers already registered, a second API copy); one with `degrades` makes `status` 'degraded'. */
  readonly coexistence: readonly CoexistenceFinding[];
  /** Present with `initTelemetry({ cluster })`: this process' side of the aggregation, and on the primary every worker's state. */
  readonly cluster?: ClusterHealth;
}

/** What health() knows besides the components. */
export interface HealthBase {
  readonly state: 'running' | 'disabled' | 'shutdown';
  readonly serviceName: string;
  readonly serviceInstanceId: string;
  readonly startTimeMs: number;
  readonly series: number;
  readonly configWarnings: readonly string[];
  readonly coexistence: readonly CoexistenceFinding[];
}

/** `health()`: each component's report in its place (see ComponentHealth), status from all of them. */
export function healthReport(components: readonly TelemetryComponent[], base: HealthBase): HealthReport {
  let prometheus: PrometheusEndpointHealth = { state: 'disabled' };
  let pushgateway: PushgatewayHealth | undefined;
  const exporters: Record<string, ExporterHealth> = {};
  let failing = base.coexistence.some((f) => f.degrades);
  for (const c of components) {
    const h = c.health();
    if (h.kind === 'none') continue;
    failing ||= h.failing;
    if (h.kind === 'exporter') exporters[c.name] = h.report;
    else if (h.kind === 'prometheus') prometheus = h.report;
    else pushgateway = h.report;
  }
  return {
    status: base.state === 'running' ? (failing ? 'degraded' : 'ok') : base.state,
    serviceName: base.serviceName,
    serviceInstanceId: base.serviceInstanceId,
    uptimeSeconds: (Date.now() - base.startTimeMs) / 1000,
    series: base.series,
    prometheus,
    exporters,
    ...(pushgateway ? { pushgateway } : {}),
    configWarnings: base.configWarnings,
    coexistence: base.coexistence,
  };
}

/** `snapshot().exporters`: the exporters' and the Pushgateway's health by component name. */
export function snapshotExporters(components: readonly TelemetryComponent[]): Record<string, ExporterHealthInput> {
  const out: Record<string, ExporterHealthInput> = {};
  for (const c of components) {
    const h = c.health();
    if (h.kind === 'exporter' || h.kind === 'pushgateway') out[c.name] = h.report;
  }
  return out;
}
