import { OtlpConfigError } from './errors.js';

/**
 * When an OTLP export is retried, and after how long — decided here and nowhere else. The
 * transport classifies each answer with {@link isRetryableStatus} / {@link isRetryableNetworkError}
 * (one attempt, no loop); the exporter loops and asks {@link nextRetry} after every retryable
 * attempt whether to wait and try again or give up.
 *
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

/**
 * https://opentelemetry.io/docs/specs/otlp/#failures-1 — 429, 502, 503, 504 are retryable; every
 * other non-2xx is not.
 */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 502 || status === 503 || status === 504;
}

// Transient network conditions: the receiver is restarting, a proxy dropped the connection, DNS
// is briefly down. The same set as @opentelemetry/otlp-exporter-base, plus ECONNABORTED.
const RETRYABLE_NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND', 'ENETUNREACH', 'EHOSTUNREACH']);

/** Whether a request that failed with this `err.code` (no answer at all) is worth another attempt. */
export function isRetryableNetworkError(code: string): boolean {
  return RETRYABLE_NETWORK_CODES.has(code);
}

/** What to do after a retryable attempt: wait `waitMs` and try again, or give up and say why. */
export type RetryDecision =
  | { readonly retry: true; readonly waitMs: number }
  | {
      readonly retry: false;
      /** For the error message, e.g. `gave up after 6 attempts`. */
      readonly reason: string;
      /**
       * The receiver's Retry-After reaches past this export's budget: the exporter should not call
       * it again before this many ms from now (the next export waits or fails fast).
       */
      readonly throttleMs?: number;
    };

/**
 * The decision after attempt number `attempts` (1-based) answered retryably, `msLeft` before the
 * export's deadline. A receiver's `Retry-After` replaces the backoff (uncapped); no wait starts
 * that would end past the deadline.
 */
export function nextRetry(policy: RetryPolicy, attempts: number, retryAfterMs: number | undefined, msLeft: number, budgetMs: number, random: () => number = Math.random): RetryDecision {
  if (attempts >= policy.maxAttempts) return { retry: false, reason: `gave up after ${attempts} attempts` };
  const wait = retryAfterMs ?? backoffMillis(policy, attempts, random);
  if (wait < msLeft) return { retry: true, waitMs: wait };
  const why = retryAfterMs !== undefined ? `Retry-After ${wait} ms` : `next retry in ${Math.round(wait)} ms`;
  const reason = `${why} would pass the ${budgetMs} ms export timeout`;
  return retryAfterMs !== undefined ? { retry: false, reason, throttleMs: retryAfterMs } : { retry: false, reason };
}
