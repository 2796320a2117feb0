import { diag } from '@opentelemetry/api';

/**
 * A caller value for a diagnostic or a configuration error: bounded in length (strings cut at 64
 * characters), typed (`number NaN`, not a bare `NaN` that reads like a word), and never a call
 * into user code (no `toString`, no getters). Never throws. The one copy: @otelkit/meters and
 * @otelkit/telemetry import it from here.
 */
export function describeValue(v: unknown): string {
  try {
    if (typeof v === 'string') return JSON.stringify(v.length > 64 ? v.slice(0, 64) + '…' : v);
    if (typeof v === 'number' || typeof v === 'boolean') return `${typeof v} ${String(v)}`;
    if (v === null) return 'null';
    if (Array.isArray(v)) return 'array';
    return typeof v;
  } catch {
    // Array.isArray throws on a revoked Proxy.
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
