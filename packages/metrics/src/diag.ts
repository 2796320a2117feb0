import { diag } from '@opentelemetry/api';

/** A short, safe description of any value for a diagnostic (never throws: Symbols, BigInts, null-prototype objects). */
export function describeValue(v: unknown): string {
  try {
    if (typeof v === 'string') return JSON.stringify(v.length > 100 ? v.slice(0, 100) + '…' : v);
    if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' || v === undefined || v === null) return String(v);
    return `a ${typeof v}`;
  } catch {
    return 'an unprintable value';
  }
}

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
