/** One failed part of forceFlush()/shutdown(), as FlushError lists it. */
export interface Failure {
  readonly component: string;
  readonly error: unknown;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/**
 * Runs the operations side by side, each bounded by `timeoutMs`, and returns those that failed
 * or timed out (never rejects): forceFlush() and shutdown() report every failed component.
 */
export async function settle(ops: readonly (readonly [component: string, run: () => Promise<unknown>])[], timeoutMs: number, what: string): Promise<Failure[]> {
  const failures: Failure[] = [];
  await Promise.all(
    ops.map(([component, run]) =>
      withTimeout(Promise.resolve().then(run), timeoutMs, `${component} ${what}`).catch((error: unknown) => {
        failures.push({ component, error });
      }),
    ),
  );
  return failures;
}
