import { ConfigError } from '@otelkit/metrics';

/**
 * A meter set was configured with a bad value. Thrown at construction only, never from a record
 * call; the message names the field and shows a correct value. A {@link ConfigError}.
 */
export class MetersConfigError extends ConfigError {
  override readonly name = 'MetersConfigError';

  /** `where`: the function called, e.g. `createServiceHealthMeters`; `field`: e.g. `options.service`. */
  constructor(where: string, field: string, problem: string, example: string) {
    super(field, problem, example, { message: `${where}: ${field} ${problem}, e.g. ${example}` });
  }
}
