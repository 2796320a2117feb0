import { diag, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import type { WarnOnce } from '@otelkit/metrics';
import { MetersConfigError } from '../errors.js';
import { guarded } from '../guard.js';
import type { CycleHandle } from './cycle.js';

export interface LoopOptions {
  /** Pause after each cycle, in milliseconds (a fixed delay, not a rate). Default 1000. */
  readonly intervalMs?: number;
  /** Stops the loop when aborted (the running cycle finishes first). */
  readonly signal?: AbortSignal;
  /**
   * Called with each error a cycle throws; the loop goes on. Default: `diag.error`. If it throws,
   * that is swallowed with one warning.
   */
  readonly onError?: (error: unknown) => void;
  /**
   * Runs each cycle in a span of its own (named after the operation; a throw sets its status to
   * error), and records the cycle's duration inside it, so `processing.duration` carries exemplars.
   * Without it a cycle's duration is recorded in the loop's context, where no span is active:
   * a span started inside `fn` has ended by then.
   */
  readonly tracer?: Tracer;
}

/** A running instrumented loop. */
export interface InstrumentedLoop {
  /** Asks the loop to stop after the running cycle; resolves when it has. */
  stop(): Promise<void>;
  /** Resolves when the loop has stopped; never rejects. */
  readonly done: Promise<void>;
}

/** @internal see {@link ServiceHealthMeters.instrumentLoop} */
export function startLoop(warn: WarnOnce, cycle: CycleHandle, fn: (signal: AbortSignal) => unknown, options: LoopOptions = {}): InstrumentedLoop {
  const intervalMs = options.intervalMs ?? 1000;
  if (typeof intervalMs !== 'number' || !Number.isFinite(intervalMs) || intervalMs < 0) {
    throw new MetersConfigError('instrumentLoop', 'options.intervalMs', 'must be a finite number of milliseconds >= 0', '{ intervalMs: 1000 }');
  }
  if (options.onError !== undefined && typeof options.onError !== 'function') {
    throw new MetersConfigError('instrumentLoop', 'options.onError', 'must be a function', '{ onError: (e) => log.error(e) }');
  }
  const tracer = options.tracer;
  if (tracer !== undefined && (tracer === null || typeof tracer.startActiveSpan !== 'function')) {
    throw new MetersConfigError('instrumentLoop', 'options.tracer', 'must be a Tracer', "{ tracer: tel.tracer('worker') }");
  }
  const onError =
    options.onError ??
    ((e: unknown) => diag.error(`otelkit/meters: cycle "${cycle.operation}" failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`));
  const controller = new AbortController();
  const external = options.signal;
  const onAbort = (): void => controller.abort();
  if (external !== undefined) {
    if (external.aborted) controller.abort();
    else external.addEventListener('abort', onAbort, { once: true });
  }
  const signal = controller.signal;
  const runCycle = (): unknown =>
    tracer === undefined
      ? cycle.time(() => fn(signal))
      : tracer.startActiveSpan(cycle.operation, async (span) => {
          try {
            return await cycle.time(() => fn(signal));
          } catch (e) {
            span.recordException(e instanceof Error ? e : String(e));
            span.setStatus({ code: SpanStatusCode.ERROR, message: e instanceof Error ? e.message : String(e) });
            throw e;
          } finally {
            span.end();
          }
        });
  const pause = (): Promise<void> =>
    new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const wake = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', wake);
        resolve();
      }, intervalMs);
      signal.addEventListener('abort', wake, { once: true });
    });
  const done = (async () => {
    while (!signal.aborted) {
      try {
        await runCycle();
      } catch (e) {
        guarded(warn, 'loop.onError', `onError of loop "${cycle.operation}"`, () => onError(e));
      }
      if (signal.aborted) break;
      await pause();
    }
    external?.removeEventListener('abort', onAbort);
  })();
  return {
    done,
    stop: () => {
      controller.abort();
      return done;
    },
  };
}
