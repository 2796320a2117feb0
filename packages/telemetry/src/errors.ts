/**
 * Invalid configuration passed to `initTelemetry()`: names the field and shows a correct value.
 * Thrown at initialization only; nothing throws into the caller afterwards.
 */
export class ConfigError extends Error {
  readonly code = 'OTELKIT_CONFIG';
  /** Dotted path of the offending option, e.g. `prometheus.port`. */
  readonly field: string;
  /** A correct example, e.g. `prometheus: { port: 9464 }`. */
  readonly example: string;

  constructor(field: string, problem: string, example: string) {
    super(`otelkit: invalid option \`${field}\`: ${problem}. Example of a correct value: ${example}`);
    this.name = 'ConfigError';
    this.field = field;
    this.example = example;
  }
}

/** forceFlush()/shutdown() failed for at least one component; each failure is listed. */
export class FlushError extends Error {
  readonly code = 'OTELKIT_FLUSH';
  readonly failures: readonly { component: string; error: unknown }[];

  constructor(operation: string, failures: { component: string; error: unknown }[]) {
    super(
      `otelkit: ${operation} failed for ${failures.map((f) => `${f.component} (${f.error instanceof Error ? f.error.message : String(f.error)})`).join('; ')}`,
    );
    this.name = 'FlushError';
    this.failures = failures;
  }
}
