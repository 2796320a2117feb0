import { diag } from '@opentelemetry/api';

/**
 * One diagnostic warning per (scope, kind): the record path must never flood the
 * logger, whatever a caller throws at it in a loop.
 */
export class WarnOnce {
  readonly #seen = new Set<string>();
  readonly #prefix: string;

  constructor(prefix: string) {
    this.#prefix = prefix;
  }

  /** Logs `message` through `diag.warn` the first time `kind` is seen; returns whether it logged. */
  warn(kind: string, message: string): boolean {
    if (this.#seen.has(kind)) return false;
    this.#seen.add(kind);
    diag.warn(`${this.#prefix}: ${message}`);
    return true;
  }

  /** How many distinct kinds were reported (for tests and health). */
  get count(): number {
    return this.#seen.size;
  }
}
