/**
 * A meter set was configured with a bad value. Thrown at construction only, never from a record
 * call; the message names the field and shows a correct value.
 */
export class MetersConfigError extends Error {
  override readonly name = 'MetersConfigError';
  /** The option at fault, e.g. `options.service`. */
  readonly field: string;
  /** An example of a valid value, e.g. `{ service: 'evaluator' }`. */
  readonly example: string;

  constructor(where: string, field: string, problem: string, example: string) {
    super(`${where}: ${field} ${problem}, e.g. ${example}`);
    this.field = field;
    this.example = example;
  }
}
