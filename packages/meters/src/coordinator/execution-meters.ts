import { bindAdd, bindRecord, createCounterFor, createHistogramFor, type AddHandle, type RecordHandle } from '../catalogue.js';
import { Dimension } from '../dimension.js';
import { guarded } from '../guard.js';
import { measure } from '../timing.js';
import type { CoordinatorContext } from './context.js';
import {
  EXECUTION_DURATION,
  EXECUTION_ESCALATION_FAILURES,
  EXECUTION_TASKS,
  OUTCOMES,
  outcomeIndex,
  routeIndex,
  ROUTES,
  type Outcome,
  type Route,
} from './definitions.js';
import type { WarnOnce } from '@otelkit/metrics';

/** Execution: tasks by path and outcome, escalation failures, duration by path. */
export class ExecutionMeters {
  readonly #tasks: Dimension<Route, Dimension<Outcome, AddHandle>>;
  readonly #duration: Dimension<Route, RecordHandle>;
  readonly #escalationFailures: AddHandle;
  readonly #warn: WarnOnce;

  /** @internal use {@link createCoordinatorMeters} */
  constructor(ctx: CoordinatorContext) {
    const { meter, warn } = ctx;
    this.#warn = warn;
    const tasks = createCounterFor(meter, EXECUTION_TASKS);
    this.#tasks = new Dimension(warn, EXECUTION_TASKS.name, 'path', ROUTES, routeIndex, (path) =>
      new Dimension(warn, EXECUTION_TASKS.name, 'outcome', OUTCOMES, outcomeIndex, (outcome) => bindAdd(tasks, { path, outcome })),
    );
    this.#escalationFailures = bindAdd(createCounterFor(meter, EXECUTION_ESCALATION_FAILURES), {});
    const duration = createHistogramFor(meter, EXECUTION_DURATION, ctx.latencyBoundaries);
    this.#duration = new Dimension(warn, EXECUTION_DURATION.name, 'path', ROUTES, routeIndex, (path) => bindRecord(duration, { path }));
  }

  /** Counts one executed task and, when `seconds` is given, records its duration under `path`. */
  task(path: Route, outcome: Outcome, seconds?: number): void {
    this.#tasks.get(path).get(outcome).add(1);
    if (seconds !== undefined) this.#duration.get(path).record(seconds);
  }

  /** Records an execution duration under `path` without counting a task. */
  duration(path: Route, seconds: number): void {
    this.#duration.get(path).record(seconds);
  }

  /** Counts one failed escalation. */
  escalationFailure(): void {
    this.#escalationFailures.add(1);
  }

  /**
   * Runs `fn` as one task on `path`: measures it, counts it as `success` or `failure` (a throw or
   * a rejection), and returns or rethrows what `fn` did.
   * @example await meters.execution.run('planner', () => planner.execute(task));
   */
  run<T>(path: Route, fn: () => T): T {
    return measure(fn, (seconds, failed) => {
      guarded(this.#warn, 'execution.run', 'recording a task', () => this.task(path, failed ? 'failure' : 'success', seconds));
    });
  }
}
