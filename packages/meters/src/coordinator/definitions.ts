import { LATENCY_BUCKETS } from '../buckets.js';
import type { MetricDefinition } from '../catalogue.js';
import { OTHER } from '../dimension.js';

/** Paths a coordinator routes a task to. */
export type Route = 'fast' | 'planner' | 'hgnn';
/** Routes that dispatch to a remote executor (the fast path runs in place). */
export type DispatchRoute = 'planner' | 'hgnn';
export type Outcome = 'success' | 'failure';
export type PlanResult = 'generated' | 'empty';
export type CacheResult = 'hit' | 'miss';
export type UpsertStatus = 'ok' | 'err' | 'truncated';
export type EnqueueStatus = 'ok' | 'dup' | 'err';
export type DispatchStatus = 'ok' | 'err';
export type PersistenceOperation = 'proto_plan_upsert' | 'outbox_enqueue';

export const ROUTES: readonly Route[] = Object.freeze(['fast', 'planner', 'hgnn']);
export const DISPATCH_ROUTES: readonly DispatchRoute[] = Object.freeze(['planner', 'hgnn']);
export const OUTCOMES: readonly Outcome[] = Object.freeze(['success', 'failure']);
export const PLAN_RESULTS: readonly PlanResult[] = Object.freeze(['generated', 'empty']);
export const CACHE_RESULTS: readonly CacheResult[] = Object.freeze(['hit', 'miss']);
export const UPSERT_STATUSES: readonly UpsertStatus[] = Object.freeze(['ok', 'err', 'truncated']);
export const ENQUEUE_STATUSES: readonly EnqueueStatus[] = Object.freeze(['ok', 'dup', 'err']);
export const DISPATCH_STATUSES: readonly DispatchStatus[] = Object.freeze(['ok', 'err']);
export const PERSISTENCE_OPERATIONS: readonly PersistenceOperation[] = Object.freeze(['proto_plan_upsert', 'outbox_enqueue']);

/**
 * Index of a value in its list, or -1. Written as switches: a string switch on these short
 * literals measured 5-10 ns per record against 20-35 ns for a `Map.get` or an object lookup
 * (Node 20, bench/recording-cost.mjs), which is most of the budget left beside the cell update.
 * `test/coordinator/definitions.test.ts` checks each switch against its list.
 */
export function routeIndex(v: unknown): number {
  switch (v) {
    case 'fast':
      return 0;
    case 'planner':
      return 1;
    case 'hgnn':
      return 2;
    default:
      return -1;
  }
}
export function dispatchRouteIndex(v: unknown): number {
  switch (v) {
    case 'planner':
      return 0;
    case 'hgnn':
      return 1;
    default:
      return -1;
  }
}
export function outcomeIndex(v: unknown): number {
  switch (v) {
    case 'success':
      return 0;
    case 'failure':
      return 1;
    default:
      return -1;
  }
}
export function planResultIndex(v: unknown): number {
  switch (v) {
    case 'generated':
      return 0;
    case 'empty':
      return 1;
    default:
      return -1;
  }
}
export function cacheResultIndex(v: unknown): number {
  switch (v) {
    case 'hit':
      return 0;
    case 'miss':
      return 1;
    default:
      return -1;
  }
}
export function upsertStatusIndex(v: unknown): number {
  switch (v) {
    case 'ok':
      return 0;
    case 'err':
      return 1;
    case 'truncated':
      return 2;
    default:
      return -1;
  }
}
export function enqueueStatusIndex(v: unknown): number {
  switch (v) {
    case 'ok':
      return 0;
    case 'dup':
      return 1;
    case 'err':
      return 2;
    default:
      return -1;
  }
}
export function dispatchStatusIndex(v: unknown): number {
  switch (v) {
    case 'ok':
      return 0;
    case 'err':
      return 1;
    default:
      return -1;
  }
}

const withOther = (values: readonly string[]): readonly string[] => Object.freeze([...values, OTHER]);

function def(d: MetricDefinition): MetricDefinition {
  return Object.freeze({ ...d, attributes: Object.freeze(d.attributes.map((a) => Object.freeze({ ...a }))) });
}

export const ROUTING_DECISIONS = def({
  name: 'coordinator.routing.decisions',
  kind: 'counter',
  unit: '{decision}',
  description: 'Routing decisions, by the path chosen.',
  attributes: [{ key: 'route', values: withOther(ROUTES) }],
});
export const ROUTING_HGNN_PLANS = def({
  name: 'coordinator.routing.hgnn.plans',
  kind: 'counter',
  unit: '{plan}',
  description: 'HGNN plan attempts, by whether a plan came out.',
  attributes: [{ key: 'result', values: withOther(PLAN_RESULTS) }],
});
export const ROUTING_CACHE_LOOKUPS = def({
  name: 'coordinator.routing.cache.lookups',
  kind: 'counter',
  unit: '{lookup}',
  description: 'Route cache lookups, by hit or miss.',
  attributes: [{ key: 'result', values: withOther(CACHE_RESULTS) }],
});
export const ROUTING_REMOTE_RESOLUTIONS = def({
  name: 'coordinator.routing.remote.resolutions',
  kind: 'counter',
  unit: '{resolution}',
  description: 'Remote route resolutions, by outcome (the total is the sum over outcomes).',
  attributes: [{ key: 'outcome', values: withOther(OUTCOMES) }],
});
export const ROUTING_REMOTE_DURATION = def({
  name: 'coordinator.routing.remote.duration',
  kind: 'histogram',
  unit: 's',
  description: 'Duration of remote route resolutions, by outcome.',
  attributes: [{ key: 'outcome', values: withOther(OUTCOMES) }],
  boundaries: LATENCY_BUCKETS,
});
export const ROUTING_BULK_ITEMS = def({
  name: 'coordinator.routing.bulk_resolve.items',
  kind: 'counter',
  unit: '{item}',
  description: 'Items submitted to bulk route resolution.',
  attributes: [],
});
export const ROUTING_BULK_FAILED_ITEMS = def({
  name: 'coordinator.routing.bulk_resolve.failed_items',
  kind: 'counter',
  unit: '{item}',
  description: 'Items bulk route resolution failed to resolve.',
  attributes: [],
});
export const EXECUTION_TASKS = def({
  name: 'coordinator.execution.tasks',
  kind: 'counter',
  unit: '{task}',
  description: 'Executed tasks, by path and outcome.',
  attributes: [
    { key: 'path', values: withOther(ROUTES) },
    { key: 'outcome', values: withOther(OUTCOMES) },
  ],
});
export const EXECUTION_ESCALATION_FAILURES = def({
  name: 'coordinator.execution.escalation.failures',
  kind: 'counter',
  unit: '{failure}',
  description: 'Escalations (fast path to planner or HGNN) that failed.',
  attributes: [],
});
export const EXECUTION_DURATION = def({
  name: 'coordinator.execution.duration',
  kind: 'histogram',
  unit: 's',
  description: 'Task execution duration, by path.',
  attributes: [{ key: 'path', values: withOther(ROUTES) }],
  boundaries: LATENCY_BUCKETS,
});
export const PERSISTENCE_PROTO_PLAN_UPSERTS = def({
  name: 'coordinator.persistence.proto_plan.upserts',
  kind: 'counter',
  unit: '{upsert}',
  description: 'Proto-plan upserts, by status (truncated: stored after cutting an oversized plan).',
  attributes: [{ key: 'status', values: withOther(UPSERT_STATUSES) }],
});
export const PERSISTENCE_OUTBOX_ENQUEUES = def({
  name: 'coordinator.persistence.outbox.enqueues',
  kind: 'counter',
  unit: '{enqueue}',
  description: 'Outbox enqueues, by status (dup: the event was already queued).',
  attributes: [{ key: 'status', values: withOther(ENQUEUE_STATUSES) }],
});
export const PERSISTENCE_DURATION = def({
  name: 'coordinator.persistence.duration',
  kind: 'histogram',
  unit: 's',
  description: 'Duration of persistence operations, by operation.',
  attributes: [{ key: 'operation', values: withOther(PERSISTENCE_OPERATIONS) }],
  boundaries: LATENCY_BUCKETS,
});
export const DISPATCH_DISPATCHES = def({
  name: 'coordinator.dispatch.dispatches',
  kind: 'counter',
  unit: '{dispatch}',
  description: 'Dispatches to remote executors, by route and status.',
  attributes: [
    { key: 'route', values: withOther(DISPATCH_ROUTES) },
    { key: 'status', values: withOther(DISPATCH_STATUSES) },
  ],
});
export const DISPATCH_DURATION = def({
  name: 'coordinator.dispatch.duration',
  kind: 'histogram',
  unit: 's',
  description: 'Dispatch duration, by route.',
  attributes: [{ key: 'route', values: withOther(DISPATCH_ROUTES) }],
  boundaries: LATENCY_BUCKETS,
});
export const ROUTE_AND_EXECUTE_DURATION = def({
  name: 'coordinator.route_and_execute.duration',
  kind: 'histogram',
  unit: 's',
  description: 'End-to-end duration of routing a task and executing it.',
  attributes: [],
  boundaries: LATENCY_BUCKETS,
});

/** Every coordinator metric, in documentation order. */
export const COORDINATOR_METRICS: readonly MetricDefinition[] = Object.freeze([
  ROUTING_DECISIONS,
  ROUTING_HGNN_PLANS,
  ROUTING_CACHE_LOOKUPS,
  ROUTING_REMOTE_RESOLUTIONS,
  ROUTING_REMOTE_DURATION,
  ROUTING_BULK_ITEMS,
  ROUTING_BULK_FAILED_ITEMS,
  EXECUTION_TASKS,
  EXECUTION_ESCALATION_FAILURES,
  EXECUTION_DURATION,
  PERSISTENCE_PROTO_PLAN_UPSERTS,
  PERSISTENCE_OUTBOX_ENQUEUES,
  PERSISTENCE_DURATION,
  DISPATCH_DISPATCHES,
  DISPATCH_DURATION,
  ROUTE_AND_EXECUTE_DURATION,
]);
