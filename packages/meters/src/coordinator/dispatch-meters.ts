import { bindAdd, bindRecord, createCounterFor, createHistogramFor, type AddHandle, type RecordHandle } from '../catalogue.js';
import { Dimension } from '../dimension.js';
import type { CoordinatorContext } from './context.js';
import {
  DISPATCH_DISPATCHES,
  DISPATCH_DURATION,
  DISPATCH_ROUTES,
  DISPATCH_STATUSES,
  dispatchRouteIndex,
  dispatchStatusIndex,
  type DispatchRoute, type DispatchStatus } from './definitions.js';

/** Dispatch: dispatches to remote executors by route and status, duration by route. */
export class DispatchMeters {
  readonly #dispatches: Dimension<DispatchRoute, Dimension<DispatchStatus, AddHandle>>;
  readonly #duration: Dimension<DispatchRoute, RecordHandle>;

  /** @internal use {@link createCoordinatorMeters} */
  constructor(ctx: CoordinatorContext) {
    const { meter, warn } = ctx;
    const dispatches = createCounterFor(meter, DISPATCH_DISPATCHES);
    this.#dispatches = new Dimension(warn, DISPATCH_DISPATCHES.name, 'route', DISPATCH_ROUTES, dispatchRouteIndex, (route) =>
      new Dimension(warn, DISPATCH_DISPATCHES.name, 'status', DISPATCH_STATUSES, dispatchStatusIndex, (status) => bindAdd(dispatches, { route, status })),
    );
    const duration = createHistogramFor(meter, DISPATCH_DURATION, ctx.latencyBoundaries);
    this.#duration = new Dimension(warn, DISPATCH_DURATION.name, 'route', DISPATCH_ROUTES, dispatchRouteIndex, (route) => bindRecord(duration, { route }));
  }

  /** Counts one dispatch and, when `seconds` is given, records its duration under `route`. */
  dispatch(route: DispatchRoute, status: DispatchStatus, seconds?: number): void {
    this.#dispatches.get(route).get(status).add(1);
    if (seconds !== undefined) this.#duration.get(route).record(seconds);
  }
}
