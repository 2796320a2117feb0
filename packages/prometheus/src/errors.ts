import { ConfigError } from '@otelkit/metrics';

/**
 * The correct example a message of this package gives after "e.g." (every one does: tests hold
 * them to it), so the error carries it as {@link ConfigError.example} too.
 */
export function exampleOf(message: string): string {
  const m = /\be\.g\.\s+(?:the\s+)?(.+?)(?:\s+\(got [^)]*\))?$/.exec(message);
  return m?.[1] ?? '';
}

/** A bad option of the `/metrics` handler or server; the message names the field and a correct example. A {@link ConfigError}. */
export class PrometheusConfigError extends ConfigError {
  override readonly code = 'OTELKIT_PROMETHEUS_CONFIG';
  constructor(field: string, message: string) {
    super(field, message, exampleOf(message), { message: `otelkit/prometheus: prometheus.${field} ${message}` });
    this.name = 'PrometheusConfigError';
  }
}

/** The metrics server could not listen because another process holds the port. */
export class PortInUseError extends Error {
  readonly code = 'OTELKIT_PORT_IN_USE';
  readonly host: string;
  readonly port: number;
  constructor(host: string, port: number, options?: { cause?: unknown }) {
    const where = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    super(
      `otelkit/prometheus: cannot serve metrics on ${where}: the port is already in use. ` +
        'Set another port with OTEL_EXPORTER_PROMETHEUS_PORT (or the prometheus.port option, e.g. 9465; 0 picks a free one), ' +
        `or stop the other process listening on ${where}.`,
      options,
    );
    this.name = 'PortInUseError';
    this.host = host;
    this.port = port;
  }
}
