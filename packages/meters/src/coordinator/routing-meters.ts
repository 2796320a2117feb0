import { bindAdd, bindRecord, createCounterFor, createHistogramFor, type AddHandle, type RecordHandle } from '../catalogue.js';
import { Dimension } from '../dimension.js';
import type { CoordinatorContext } from './context.js';
import {
  CACHE_RESULTS,
  cacheResultIndex,
  outcomeIndex,
  planResultIndex,
  routeIndex,
  OUTCOMES,
  PLAN_RESULTS,
  ROUTES,
  ROUTING_BULK_FAILED_ITEMS,
  ROUTING_BULK_ITEMS,
  ROUTING_CACHE_LOOKUPS,
  ROUTING_DECISIONS,
  ROUTING_HGNN_PLANS,
  ROUTING_REMOTE_DURATION,
  ROUTING_REMOTE_RESOLUTIONS,
  type CacheResult,
  type Outcome,
  type PlanResult,
  type Route,
} from './definitions.js';

/** Routing: decisions, HGNN plans, the route cache, remote and bulk resolution. */
export class RoutingMeters {
  readonly #decisions: Dimension<Route, AddHandle>;
  readonly #plans: Dimension<PlanResult, AddHandle>;
  readonly #cache: Dimension<CacheResult, AddHandle>;
  readonly #remote: Dimension<Outcome, AddHandle>;
  readonly #remoteDuration: Dimension<Outcome, RecordHandle>;
  readonly #bulkItems: AddHandle;
  readonly #bulkFailed: AddHandle;

  /** @internal use {@link createCoordinatorMeters} */
  constructor(ctx: CoordinatorContext) {
    const { meter, warn } = ctx;
    const decisions = createCounterFor(meter, ROUTING_DECISIONS);
    this.#decisions = new Dimension(warn, ROUTING_DECISIONS.name, 'route', ROUTES, routeIndex, (route) => bindAdd(decisions, { route }));
    const plans = createCounterFor(meter, ROUTING_HGNN_PLANS);
    this.#plans = new Dimension(warn, ROUTING_HGNN_PLANS.name, 'result', PLAN_RESULTS, planResultIndex, (result) => bindAdd(plans, { result }));
    const cache = createCounterFor(meter, ROUTING_CACHE_LOOKUPS);
    this.#cache = new Dimension(warn, ROUTING_CACHE_LOOKUPS.name, 'result', CACHE_RESULTS, cacheResultIndex, (result) => bindAdd(cache, { result }));
    const remote = createCounterFor(meter, ROUTING_REMOTE_RESOLUTIONS);
    this.#remote = new Dimension(warn, ROUTING_REMOTE_RESOLUTIONS.name, 'outcome', OUTCOMES, outcomeIndex, (outcome) => bindAdd(remote, { outcome }));
    const remoteDuration = createHistogramFor(meter, ROUTING_REMOTE_DURATION, ctx.latencyBoundaries);
    this.#remoteDuration = new Dimension(warn, ROUTING_REMOTE_DURATION.name, 'outcome', OUTCOMES, outcomeIndex, (outcome) => bindRecord(remoteDuration, { outcome }));
    this.#bulkItems = bindAdd(createCounterFor(meter, ROUTING_BULK_ITEMS), {});
    this.#bulkFailed = bindAdd(createCounterFor(meter, ROUTING_BULK_FAILED_ITEMS), {});
  }

  /** Counts one routing decision. */
  decision(route: Route): void {
    this.#decisions.get(route).add(1);
  }

  /** Counts one HGNN planning attempt: `generated` when a plan came out, `empty` otherwise. */
  hgnnPlan(result: PlanResult): void {
    this.#plans.get(result).add(1);
  }

  /** Counts one route cache lookup. */
  cacheLookup(result: CacheResult): void {
    this.#cache.get(result).add(1);
  }

  /** Counts one remote route resolution and, when `seconds` is given, records its duration. */
  remoteResolution(outcome: Outcome, seconds?: number): void {
    this.#remote.get(outcome).add(1);
    if (seconds !== undefined) this.#remoteDuration.get(outcome).record(seconds);
  }

  /** Counts one bulk resolution call: `items` submitted, `failedItems` of them unresolved. */
  bulkResolve(items: number, failedItems = 0): void {
    this.#bulkItems.add(items);
    if (failedItems !== 0) this.#bulkFailed.add(failedItems);
  }
}
