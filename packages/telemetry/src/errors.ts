/**
 * Invalid configuration passed to `initTelemetry()`: names the field and shows a correct value.
 * Thrown at initialization only; nothing throws into the caller afterwards. The one base class
 * (from @otelkit/metrics): the errors of the other packages (`MetricsAuthConfigError`,
 * `PushgatewayConfigError`, `OtlpConfigError`, …) are subclasses, so `instanceof ConfigError`
 * catches every configuration error `initTelemetry()` can throw.
 */
export { ConfigError } from '@otelkit/metrics';

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
