import { describeValue, type WarnOnce } from '@otelkit/metrics';
import { bindAdd, type AddHandle, type RecordHandle } from '../catalogue.js';
import { OTHER } from '../dimension.js';
import { guarded } from '../guard.js';
import { measure } from '../timing.js';
import { ERROR_TYPE_LIMIT, ERROR_TYPE_OTHER, PROCESSING_CYCLES, PROCESSING_ERRORS, type CycleOutcome } from './definitions.js';

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

/** What the cycles of one service share (one per service-health set). */
export interface CycleInstruments {
  readonly warn: WarnOnce;
  readonly service: string;
  readonly cycles: Parameters<typeof bindAdd>[0];
  readonly errors: Parameters<typeof bindAdd>[0];
}

/**
 * @internal made by {@link ServiceHealthMeters.cycle}. Kept small — the outcome handles are fields,
 * the `other` outcome and the error series are made on first use — because a service may have
 * dozens of operations and bench/recording-cost.mjs measures memory per series against prom-client.
 */
export class Cycle implements CycleHandle {
  readonly operation: string;
  readonly #shared: CycleInstruments;
  readonly #duration: RecordHandle;
  readonly #success: AddHandle;
  readonly #failure: AddHandle;
  #otherOutcome: AddHandle | undefined;
  #errors: Map<string, AddHandle> | undefined;

  constructor(shared: CycleInstruments, operation: string, duration: RecordHandle) {
    this.operation = operation;
    this.#shared = shared;
    this.#duration = duration;
    this.#success = this.#outcome('success');
    this.#failure = this.#outcome('failure');
  }

  #outcome(outcome: string): AddHandle {
    return bindAdd(this.#shared.cycles, { service: this.#shared.service, operation: this.operation, outcome });
  }

  record(seconds: number, outcome: CycleOutcome = 'success', error?: unknown): void {
    this.#duration.record(seconds);
    if (outcome === 'success') this.#success.add(1);
    else if (outcome === 'failure') {
      this.#failure.add(1);
      this.#error(errorType(error)).add(1);
    } else this.#unknownOutcome(outcome).add(1);
  }

  time<T>(fn: () => T): T {
    return measure(fn, (seconds, failed, error) => {
      guarded(this.#shared.warn, 'cycle', `recording cycle "${this.operation}"`, () => this.record(seconds, failed ? 'failure' : 'success', error));
    });
  }

  #unknownOutcome(outcome: unknown): AddHandle {
    this.#shared.warn.warn(
      `unknown-value:${PROCESSING_CYCLES.name}:outcome`,
      `${PROCESSING_CYCLES.name}: attribute "outcome" got ${describeValue(outcome)}, which is not one of success, failure; recorded as "${OTHER}"`,
    );
    return (this.#otherOutcome ??= this.#outcome(OTHER));
  }

  #error(type: string): AddHandle {
    const errors = (this.#errors ??= new Map());
    let h = errors.get(type);
    if (h !== undefined) return h;
    if (type !== ERROR_TYPE_OTHER && errors.size >= ERROR_TYPE_LIMIT) {
      this.#shared.warn.warn(
        `too-many-values:${PROCESSING_ERRORS.name}:error.type`,
        `${PROCESSING_ERRORS.name}: operation "${this.operation}" reached ${ERROR_TYPE_LIMIT} error types; ${describeValue(type)} and later new types are recorded as "${ERROR_TYPE_OTHER}"`,
      );
      return this.#error(ERROR_TYPE_OTHER);
    }
    h = bindAdd(this.#shared.errors, { service: this.#shared.service, operation: this.operation, 'error.type': type });
    errors.set(type, h);
    return h;
  }
}
