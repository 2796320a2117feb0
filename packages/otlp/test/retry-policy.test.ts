import { expect } from 'chai';
import { DEFAULT_RETRY_POLICY, isRetryableNetworkError, isRetryableStatus, nextRetry } from '../src/index.js';

/** retry-policy.ts is the one place that decides whether and when an export is retried. */
describe('retry policy (https://opentelemetry.io/docs/specs/otlp/#failures-1)', () => {
  it('retryable answers: 429, 502, 503, 504 and transient network errors, nothing else', () => {
    for (const s of [429, 502, 503, 504]) expect(isRetryableStatus(s), String(s)).to.equal(true);
    for (const s of [400, 401, 403, 404, 413, 500, 501]) expect(isRetryableStatus(s), String(s)).to.equal(false);
    expect(isRetryableNetworkError('ECONNREFUSED')).to.equal(true);
    expect(isRetryableNetworkError('ERR_INVALID_URL')).to.equal(false);
  });

  it('backs off exponentially (no jitter: 1 s, 1.5 s, …) while the budget allows', () => {
    const p = { ...DEFAULT_RETRY_POLICY, jitter: 0 };
    expect(nextRetry(p, 1, undefined, 10_000, 10_000)).to.deep.equal({ retry: true, waitMs: 1000 });
    expect(nextRetry(p, 2, undefined, 10_000, 10_000)).to.deep.equal({ retry: true, waitMs: 1500 });
  });

  it('Retry-After replaces the backoff; beyond the budget it gives up and throttles the next export', () => {
    expect(nextRetry(DEFAULT_RETRY_POLICY, 1, 3000, 10_000, 10_000)).to.deep.equal({ retry: true, waitMs: 3000 });
    const d = nextRetry(DEFAULT_RETRY_POLICY, 1, 30_000, 10_000, 10_000);
    expect(d).to.deep.include({ retry: false, throttleMs: 30_000 });
  });

  it('gives up after maxAttempts, and when the next backoff would pass the deadline (no throttle then)', () => {
    expect(nextRetry(DEFAULT_RETRY_POLICY, 6, undefined, 10_000, 10_000)).to.deep.equal({ retry: false, reason: 'gave up after 6 attempts' });
    const d = nextRetry({ ...DEFAULT_RETRY_POLICY, jitter: 0 }, 1, undefined, 500, 10_000);
    expect(d.retry).to.equal(false);
    expect(d).to.not.have.property('throttleMs');
  });
});
