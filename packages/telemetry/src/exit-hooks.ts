import { diag } from '@opentelemetry/api';

export interface ExitHooks {
  /** Removes every listener this installed. */
  uninstall(): void;
}

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * Flushes before the process ends, keeping its exit semantics:
 * - SIGTERM / SIGINT: flush (bounded), then, when no other listener handles the signal, re-raise it
 *   with the default action so the exit status still says "killed by SIGTERM" (143 in a shell).
 *   When the application has its own listener, it owns the exit; we only flush.
 * - beforeExit: flush once; the process then exits with its own `process.exitCode`.
 */
export function installExitHooks(flush: () => Promise<unknown>): ExitHooks {
  let flushed: Promise<void> | undefined;
  const flushOnce = (): Promise<void> => {
    flushed ??= flush().then(
      () => undefined,
      (e: unknown) => diag.error(`otelkit: final flush failed: ${e instanceof Error ? e.message : String(e)}`),
    );
    return flushed;
  };

  const onSignal = (signal: NodeJS.Signals): void => {
    void flushOnce().then(() => {
      const others = process.listeners(signal).filter((l) => l !== handlers[signal]);
      hooks.uninstall();
      if (others.length === 0) process.kill(process.pid, signal);
    });
  };
  const handlers: Record<string, (s: NodeJS.Signals) => void> = {};
  for (const s of SIGNALS) {
    handlers[s] = onSignal;
    process.on(s, onSignal);
  }
  const onBeforeExit = (): void => {
    if (flushed === undefined) void flushOnce();
  };
  process.on('beforeExit', onBeforeExit);

  const hooks: ExitHooks = {
    uninstall: () => {
      for (const s of SIGNALS) process.removeListener(s, onSignal);
      process.removeListener('beforeExit', onBeforeExit);
    },
  };
  return hooks;
}
