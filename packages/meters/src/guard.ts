import type { WarnOnce } from '@otelkit/metrics';

/**
 * Runs a recording step so that nothing it throws reaches the caller: a metrics failure costs one
 * warning, never the caller's work. Otelkit cells do not throw; this guards third-party meters and
 * user callbacks (loop `onError`, pool getters).
 */
export function guarded(warn: WarnOnce, kind: string, what: string, step: () => void): void {
  try {
    step();
  } catch (e) {
    warn.warn(`metrics-failure:${kind}`, `${what} failed and was skipped: ${e instanceof Error ? e.message : typeof e}`);
  }
}
