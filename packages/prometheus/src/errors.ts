/** A bad option of the `/metrics` handler or server; the message names the field and a correct example. */
export class PrometheusConfigError extends Error {
  readonly code = 'OTELKIT_PROMETHEUS_CONFIG';
  readonly field: string;
  constructor(field: string, message: string) {
    super(`otelkit/prometheus: prometheus.${field} ${message}`);
    this.name = 'PrometheusConfigError';
    this.field = field;
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
