import { diag } from '@opentelemetry/api';

export interface ExitHooks {
  /** Removes every listener this installed. */
  uninstall(): void;
  /** Marks the final export as done (an explicit `shutdown()` finished): the hooks then do nothing. */
  markDone(): void;
}

export interface ExitHookTargets {
  /** The asynchronous final flush (shutdown); `signal` when the process was told to stop. */
  readonly flush: (reason: 'signal' | 'beforeExit') => Promise<unknown>;
  /** The synchronous last export, for exits where the event loop no longer runs; 1 for a fatal exception. */
  readonly flushSync: (exitCode: number | undefined) => void;
}

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * Exports the last data of the process exactly once, on every way out, keeping its exit semantics:
 * - SIGTERM / SIGINT: flush (bounded), then, when no other listener handles the signal, re-raise it
 *   with the default action so the exit status still says "killed by SIGTERM" (143 in a shell).
 *   When the application has its own listener, it owns the exit; we only flush.
 * - the event loop empties (beforeExit): flush once; the exit code stays `process.exitCode`.
 * - `process.exit()` ('exit' event) and an uncaught exception or unhandled rejection that will
 *   kill the process (`uncaughtExceptionMonitor` with no `uncaughtException` listener): nothing
 *   asynchronous can run any more, so a synchronous export runs instead (see final-export.ts).
 *   Node does not emit 'exit' for a fatal exception — measured on Node 20 — hence the monitor.
 */
export function installExitHooks(targets: ExitHookTargets): ExitHooks {
  let state: 'idle' | 'flushing' | 'done' = 'idle';
  let flushed: Promise<void> | undefined;
  const flushOnce = (reason: 'signal' | 'beforeExit'): Promise<void> => {
    if (flushed === undefined) {
      state = 'flushing';
      flushed = targets.flush(reason).then(
        () => undefined,
        (e: unknown) => diag.error(`otelkit: final flush failed: ${e instanceof Error ? e.message : String(e)}`),
      ).finally(() => {
        state = 'done';
      });
    }
    return flushed;
  };
  const syncOnce = (exitCode: number | undefined): void => {
    // A flush still in flight may not finish before the process dies: export synchronously anyway
    // (cumulative totals, so a second copy changes no value downstream).
    if (state === 'done') return;
    state = 'done';
    try {
      targets.flushSync(exitCode);
    } catch (e) {
      diag.error(`otelkit: final export failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  const onSignal = (signal: NodeJS.Signals): void => {
    void flushOnce('signal').then(() => {
      const others = process.listeners(signal).filter((l) => l !== onSignal);
      hooks.uninstall();
      if (others.length === 0) process.kill(process.pid, signal);
    });
  };
  const onBeforeExit = (): void => {
    if (state === 'idle') void flushOnce('beforeExit');
  };
  const onExit = (code: number): void => syncOnce(code);
  const onFatal = (_err: unknown, origin: string): void => {
    const handled =
      process.listenerCount('uncaughtException') > 0 ||
      (origin === 'unhandledRejection' && process.listenerCount('unhandledRejection') > 0);
    if (!handled) syncOnce(1);
  };
  for (const s of SIGNALS) process.on(s, onSignal);
  process.on('beforeExit', onBeforeExit);
  process.on('exit', onExit);
  process.on('uncaughtExceptionMonitor', onFatal);

  const hooks: ExitHooks = {
    uninstall: () => {
      for (const s of SIGNALS) process.removeListener(s, onSignal);
      process.removeListener('beforeExit', onBeforeExit);
      process.removeListener('exit', onExit);
      process.removeListener('uncaughtExceptionMonitor', onFatal);
    },
    markDone: () => {
      state = 'done';
    },
  };
  return hooks;
}
