import { diag } from '@opentelemetry/api';

export interface ExitHooks {
  /** Removes every listener this installed and cancels the grace-period deadline. */
  uninstall(): void;
  /** Marks the final export as done (an explicit `shutdown()` finished): the hooks then do nothing. */
  markDone(): void;
}

/** Why the asynchronous final export runs. */
export type FlushReason = 'signal' | 'beforeExit' | 'deadline';

export interface ExitHookTargets {
  /** The asynchronous final export (shutdown), bounded by `timeoutMs`. */
  readonly flush: (reason: FlushReason, timeoutMs: number) => Promise<unknown>;
  /**
   * The synchronous last export, for exits where the event loop no longer runs; 1 for a fatal
   * exception. Sends only what no asynchronous final export has started on (see telemetry.ts).
   */
  readonly flushSync: (exitCode: number | undefined, timeoutMs: number) => void;
  /**
   * A stop signal arrived that the application handles itself: export now what is not cumulative
   * (spans: each is sent once whatever happens later), keep the rest for the final export.
   */
  readonly signalled: (signal: NodeJS.Signals, appHandles: boolean) => void;
}

export interface ExitHookOptions {
  /** Bound on each final export (`shutdownTimeoutMillis`). */
  readonly timeoutMs: number;
  /**
   * Time from SIGTERM to SIGKILL the platform grants (Kubernetes' terminationGracePeriodSeconds,
   * 30 s by default; `docker stop -t`, 10 s by default); 0: no deadline.
   */
  readonly gracePeriodMs: number;
  /** Share of the grace period, at its end, reserved for otelkit's final export (0 < share < 1). */
  readonly flushShare: number;
}

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;
type StopSignal = (typeof SIGNALS)[number];

/**
 * Exports the last data of the process exactly once, on every way out, and composes with the
 * application's own shutdown code:
 *
 * - SIGTERM / SIGINT, nobody else listening: otelkit owns the exit. Final export (bounded), then
 *   the signal is re-raised with the default action, so the exit status still says "killed by
 *   SIGTERM" (143 in a shell). A second signal during the export re-raises at once; a signal
 *   re-raised by the application's cleanup (terminus does) is handled the same way.
 * - SIGTERM / SIGINT that the application also listens to (`process.on`, `process.once`,
 *   `events.once(process, …)`, terminus, close-with-grace, …): the application owns the exit and
 *   may keep serving while it drains. otelkit never re-raises nor exits; it keeps collecting and
 *   serving /metrics, flushes spans now, and does the final export when the process leaves
 *   (beforeExit, process.exit(), the application's own `tel.shutdown()`), or at the latest when
 *   only `flushShare` of the grace period is left — so that it lands before the SIGKILL.
 * - the event loop empties (beforeExit): final export once; the exit code stays `process.exitCode`.
 * - `process.exit()` ('exit' event) and an uncaught exception or unhandled rejection that will
 *   kill the process (`uncaughtExceptionMonitor` with no `uncaughtException` listener): nothing
 *   asynchronous can run any more, so a synchronous export runs instead (final-export.ts) — of
 *   what no asynchronous final export has started on: a push already on the wire when the
 *   application exits is not sent a second time. Node does not emit 'exit' for a fatal
 *   exception — measured on Node 20 — hence the monitor.
 *
 * Who else handles the signal is decided when the signal arrives, from the listeners Node is
 * calling: otelkit's listener is prepended (so it normally runs first, before any `once` wrapper
 * removed itself), and listeners removed during the same emit (a `once` listener registered with
 * `prependListener` after ours, which ran and removed itself before us) still count. Counting
 * later, after an await, is what cut a `process.once` application handler short (issue 15).
 */
export function installExitHooks(targets: ExitHookTargets, options: ExitHookOptions): ExitHooks {
  let state: 'idle' | 'flushing' | 'done' = 'idle';
  let flushed: Promise<void> | undefined;
  let signalledAt: number | undefined;
  let deadline: NodeJS.Timeout | undefined;

  const flushOnce = (reason: FlushReason, timeoutMs: number): Promise<void> => {
    if (flushed === undefined) {
      state = 'flushing';
      flushed = targets.flush(reason, timeoutMs).then(
        () => undefined,
        (e: unknown) => diag.error(`otelkit: final flush failed: ${e instanceof Error ? e.message : String(e)}`),
      ).finally(() => {
        state = 'done';
      });
    }
    return flushed;
  };
  /** What is left of the grace period (for the exports that must land before the SIGKILL). */
  const budget = (): number => {
    if (signalledAt === undefined || options.gracePeriodMs <= 0) return options.timeoutMs;
    const left = options.gracePeriodMs - (Date.now() - signalledAt);
    return Math.max(100, Math.min(options.timeoutMs, left));
  };
  const syncOnce = (exitCode: number | undefined): void => {
    if (state === 'done') return;
    state = 'done';
    try {
      targets.flushSync(exitCode, budget());
    } catch (e) {
      diag.error(`otelkit: final export failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  // Listeners of a stop signal removed while Node emits it: a `once` wrapper that ran before ours.
  // The emit is synchronous, so "during this emit" is "since the last tick".
  const removedThisTick: Record<StopSignal, number> = { SIGTERM: 0, SIGINT: 0 };
  let clearScheduled = false;
  const onRemoveListener = (event: string | symbol, listener: unknown): void => {
    if ((event !== 'SIGTERM' && event !== 'SIGINT') || listener === onSignal) return;
    removedThisTick[event]++;
    if (!clearScheduled) {
      clearScheduled = true;
      process.nextTick(() => {
        clearScheduled = false;
        removedThisTick.SIGTERM = 0;
        removedThisTick.SIGINT = 0;
      });
    }
  };
  const othersHandle = (signal: StopSignal): boolean =>
    process.listeners(signal).some((l) => l !== onSignal) || removedThisTick[signal] > 0;

  const reRaise = (signal: StopSignal): void => {
    hooks.uninstall();
    process.kill(process.pid, signal);
  };
  let ownsExit: boolean | undefined;
  function onSignal(signal: NodeJS.Signals): void {
    const s = signal as StopSignal;
    const appHandles = othersHandle(s);
    if (ownsExit !== undefined) {
      // A later stop signal that nobody else listens to any more is ours: a library re-raising the
      // signal after its cleanup (terminus) — final export first, if it has not happened — or the
      // user insisting during our export (Ctrl-C twice) — exit at once.
      if (appHandles) return;
      ownsExit = true;
      if (state === 'idle') void flushOnce('signal', budget()).then(() => reRaise(s));
      else reRaise(s);
      return;
    }
    signalledAt = Date.now();
    ownsExit = !appHandles;
    try {
      targets.signalled(s, appHandles);
    } catch (e) {
      diag.error(`otelkit: flush on ${s} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (ownsExit) {
      void flushOnce('signal', budget()).then(() => reRaise(s));
      return;
    }
    // The application drains and exits when it is done; the final export must still land before
    // the platform's SIGKILL: at the latest when `flushShare` of the grace period is left.
    if (options.gracePeriodMs > 0 && state === 'idle') {
      const at = Math.max(0, Math.floor(options.gracePeriodMs * (1 - options.flushShare)));
      deadline = setTimeout(() => {
        if (state === 'idle') void flushOnce('deadline', Math.min(options.timeoutMs, options.gracePeriodMs - at));
      }, at);
      // The deadline alone must not keep a process alive that is otherwise done.
      deadline.unref();
    }
  }
  const onBeforeExit = (): void => {
    if (state === 'idle') void flushOnce('beforeExit', budget());
  };
  const onExit = (code: number): void => syncOnce(code);
  const onFatal = (_err: unknown, origin: string): void => {
    const handled =
      process.listenerCount('uncaughtException') > 0 ||
      (origin === 'unhandledRejection' && process.listenerCount('unhandledRejection') > 0);
    if (!handled) syncOnce(1);
  };
  for (const s of SIGNALS) process.prependListener(s, onSignal);
  process.on('removeListener', onRemoveListener);
  process.on('beforeExit', onBeforeExit);
  process.on('exit', onExit);
  process.on('uncaughtExceptionMonitor', onFatal);

  const hooks: ExitHooks = {
    uninstall: () => {
      if (deadline !== undefined) clearTimeout(deadline);
      for (const s of SIGNALS) process.removeListener(s, onSignal);
      process.removeListener('removeListener', onRemoveListener);
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
