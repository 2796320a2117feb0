import type { WarnOnce } from '@otelkit/metrics';
import type { AddHandle, RecordHandle } from '../catalogue.js';
import { Dimension, OpenDimension } from '../dimension.js';
import { guarded } from '../guard.js';
import { measure } from '../timing.js';
import { CYCLE_OUTCOMES, cycleOutcomeIndex, ERROR_TYPE_LIMIT, ERROR_TYPE_OTHER, PROCESSING_CYCLES, PROCESSING_ERRORS, type CycleOutcome } from './definitions.js';

/** The handles of one operation, bound when the operation is first used. */
export interface CycleHandle {
  readonly operation: string;
  /**
   * Records one finished cycle of `seconds`; a `failure` also counts an error, typed by
   * `error`'s `name`.
   */
  record(seconds: number, outcome?: CycleOutcome, error?: unknown): void;
  /**
   * Runs `fn` as one cycle: measures it, records the outcome, counts a throw or rejection as an
   * error, and returns or rethrows what `fn` did. A failure of the metrics themselves is swallowed
   * with one warning.
   */
  time<T>(fn: () => T): T;
}

const TYPE_RE = /^[A-Za-z_$][A-Za-z0-9_$.]{0,63}$/;

/** `error.type` of a thrown value: its `name` when it looks like a class name, else `_OTHER`. */
export function errorType(error: unknown): string {
  if (error === null || typeof error !== 'object') return ERROR_TYPE_OTHER;
  let name: unknown;
  try {
    name = (error as { name?: unknown }).name;
  } catch {
    return ERROR_TYPE_OTHER;
  }
  return typeof name === 'string' && TYPE_RE.test(name) ? name : ERROR_TYPE_OTHER;
}

/** @internal made by {@link ServiceHealthMeters.cycle} */
export class Cycle implements CycleHandle {
  readonly operation: string;
  readonly #duration: RecordHandle;
  readonly #outcomes: Dimension<CycleOutcome, AddHandle>;
  readonly #errors: OpenDimension<AddHandle>;
  readonly #warn: WarnOnce;

  constructor(
    warn: WarnOnce,
    operation: string,
    duration: RecordHandle,
    outcome: (outcome: string) => AddHandle,
    error: (type: string) => AddHandle,
  ) {
    this.operation = operation;
    this.#warn = warn;
    this.#duration = duration;
    this.#outcomes = new Dimension(warn, PROCESSING_CYCLES.name, 'outcome', CYCLE_OUTCOMES, cycleOutcomeIndex, outcome);
    this.#errors = new OpenDimension(warn, PROCESSING_ERRORS.name, 'error.type', ERROR_TYPE_LIMIT, error, ERROR_TYPE_OTHER);
  }

  record(seconds: number, outcome: CycleOutcome = 'success', error?: unknown): void {
    this.#duration.record(seconds);
    this.#outcomes.get(outcome).add(1);
    if (outcome === 'failure') this.#errors.get(errorType(error)).add(1);
  }

  time<T>(fn: () => T): T {
    return measure(fn, (seconds, failed, error) => {
      guarded(this.#warn, 'cycle', `recording cycle "${this.operation}"`, () => this.record(seconds, failed ? 'failure' : 'success', error));
    });
  }
}
