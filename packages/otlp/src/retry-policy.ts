import { OtlpConfigError } from './errors.js';

/**
 * Exponential backoff with jitter between attempts of one export.
 * https://opentelemetry.io/docs/specs/otlp/#otlphttp-throttling — the OTLP spec asks for
 * exponential backoff with jitter and leaves the numbers to the SDK; the defaults are those of
 * `@opentelemetry/otlp-exporter-base` (1 s × 1.5, capped at 5 s, ±20 %, 5 retries).
 * The export timeout bounds everything: no attempt starts, and no wait begins, past it.
 */
export interface RetryPolicy {
  /** First backoff, before jitter. Default 1000. */
  readonly initialBackoffMillis: number;
  /** Cap on one backoff (a server's Retry-After is not capped). Default 5000. */
  readonly maxBackoffMillis: number;
  /** Default 1.5. */
  readonly multiplier: number;
  /** Fraction, each backoff is scaled by a uniform factor in [1 − jitter, 1 + jitter]. Default 0.2. */
  readonly jitter: number;
  /** HTTP attempts per export, the first one included. Default 6. */
  readonly maxAttempts: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  initialBackoffMillis: 1000,
  maxBackoffMillis: 5000,
  multiplier: 1.5,
  jitter: 0.2,
  maxAttempts: 6,
});

/** Merges and validates a partial policy (throws {@link OtlpConfigError}). */
export function retryPolicy(partial: Partial<RetryPolicy> = {}): RetryPolicy {
  const p = { ...DEFAULT_RETRY_POLICY, ...partial };
  const check = (field: keyof RetryPolicy, ok: boolean, example: string): void => {
    if (!ok) throw new OtlpConfigError(`retry.${field}`, `invalid value ${String(p[field])}`, example);
  };
  check('initialBackoffMillis', Number.isFinite(p.initialBackoffMillis) && p.initialBackoffMillis >= 0, '1000');
  check('maxBackoffMillis', Number.isFinite(p.maxBackoffMillis) && p.maxBackoffMillis >= p.initialBackoffMillis, '5000');
  check('multiplier', Number.isFinite(p.multiplier) && p.multiplier >= 1, '1.5');
  check('jitter', p.jitter >= 0 && p.jitter < 1, '0.2');
  check('maxAttempts', Number.isInteger(p.maxAttempts) && p.maxAttempts >= 1, '6');
  return Object.freeze(p);
}

/** The wait before retry number `retry` (1-based), jitter applied. */
export function backoffMillis(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const base = Math.min(policy.initialBackoffMillis * policy.multiplier ** (retry - 1), policy.maxBackoffMillis);
  return Math.max(0, base * (1 + policy.jitter * (2 * random() - 1)));
}
