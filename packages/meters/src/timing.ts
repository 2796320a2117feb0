/** Called once when a measured call settles; must not throw (callers wrap their recording). */
export type SettleCallback = (seconds: number, failed: boolean, error: unknown) => void;

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function';
}

/**
 * Runs `fn`, measures it with `performance.now()` (monotonic: a wall-clock step cannot make a
 * duration negative) and reports how it settled. Synchronous results stay synchronous; a promise is
 * measured until it settles. The caller's own error is rethrown unchanged.
 */
export function measure<T>(fn: () => T, settle: SettleCallback): T {
  const start = performance.now();
  let result: T;
  try {
    result = fn();
  } catch (e) {
    settle((performance.now() - start) / 1000, true, e);
    throw e;
  }
  if (!isThenable(result)) {
    settle((performance.now() - start) / 1000, false, undefined);
    return result;
  }
  return result.then(
    (v) => {
      settle((performance.now() - start) / 1000, false, undefined);
      return v;
    },
    (e: unknown) => {
      settle((performance.now() - start) / 1000, true, e);
      throw e;
    },
  ) as T;
}
