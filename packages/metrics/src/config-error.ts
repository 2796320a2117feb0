/**
 * A configuration value that cannot work. Thrown while something is being set up (an option of
 * `initTelemetry()`, an exporter, a handler, a meter set), never from a record call or an export.
 *
 * The one base of every otelkit configuration error: each package's own class
 * (`OtlpConfigError`, `PrometheusConfigError`, `MetricsAuthConfigError`, `PushgatewayConfigError`,
 * `MetersConfigError`) extends it, so `err instanceof ConfigError` catches all of them, and each
 * carries the same three facts — the field, the problem, a correct example.
 *
 * @example
 * try { initTelemetry({ prometheus: { auth: { allow: ['10.0.0.300/8'] } } }); }
 * catch (e) { if (e instanceof ConfigError) console.error(e.field, e.example); }
 */
export class ConfigError extends Error {
  /** Stable machine-readable code; subclasses keep their own. */
  readonly code: string = 'OTELKIT_CONFIG';
  /** Dotted path of the offending option, e.g. `prometheus.port`. */
  readonly field: string;
  /** What is wrong with it, e.g. `expected an integer from 0 to 65535, got number 70000`. */
  readonly problem: string;
  /** A correct example, e.g. `prometheus: { port: 9464 }`. */
  readonly example: string;

  /**
   * `options.message` replaces the default wording (`otelkit: invalid option \`field\`: problem.
   * Example of a correct value: example`) for the subclasses whose messages predate this class.
   */
  constructor(field: string, problem: string, example: string, options: { readonly message?: string; readonly cause?: unknown } = {}) {
    super(
      options.message ?? `otelkit: invalid option \`${field}\`: ${problem}. Example of a correct value: ${example}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'ConfigError';
    this.field = field;
    this.problem = problem;
    this.example = example;
  }
}
