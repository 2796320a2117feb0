import { LATENCY_BUCKETS } from '../buckets.js';
import type { MetricDefinition } from '../catalogue.js';
import { defineCatalog, type AttributeValue } from '../catalog/declaration.js';
import { toMetricDefinition } from '../catalog/metric-definition.js';
import { OTHER } from '../dimension.js';

const closed = <const V extends readonly string[]>(values: V, description?: string) =>
  description === undefined ? ({ values, overflow: OTHER } as const) : ({ values, overflow: OTHER, description } as const);

const ROUTE_VALUES = ['fast', 'planner', 'hgnn'] as const;
const DISPATCH_ROUTE_VALUES = ['planner', 'hgnn'] as const;
const OUTCOME_VALUES = ['success', 'failure'] as const;

/**
 * The coordinator catalog: routing, execution, persistence and dispatch. `createCoordinatorMeters`
 * creates its instruments from these declarations, the types below are derived from them, and the
 * dashboards, rules and docs table under `monitoring/` are generated from the same object.
 */
export const COORDINATOR_CATALOG = defineCatalog({
  id: 'coordinator',
  title: 'Coordinator',
  description: 'A task coordinator: routing decisions, execution by path, persistence (proto-plans, outbox) and dispatch to remote executors.',
  createdBy: 'createCoordinatorMeters',
  source: 'meter-set',
  instruments: {
    routingDecisions: {
      name: 'coordinator.routing.decisions',
      kind: 'counter',
      unit: '{decision}',
      description: 'Routing decisions, by the path chosen.',
      attributes: { route: closed(ROUTE_VALUES) },
    },
    routingHgnnPlans: {
      name: 'coordinator.routing.hgnn.plans',
      kind: 'counter',
      unit: '{plan}',
      description: 'HGNN plan attempts, by whether a plan came out.',
      attributes: { result: closed(['generated', 'empty']) },
    },
    routingCacheLookups: {
      name: 'coordinator.routing.cache.lookups',
      kind: 'counter',
      unit: '{lookup}',
      description: 'Route cache lookups, by hit or miss.',
      attributes: { result: closed(['hit', 'miss']) },
    },
    routingRemoteResolutions: {
      name: 'coordinator.routing.remote.resolutions',
      kind: 'counter',
      unit: '{resolution}',
      description: 'Remote route resolutions, by outcome (the total is the sum over outcomes).',
      attributes: { outcome: closed(OUTCOME_VALUES) },
    },
    routingRemoteDuration: {
      name: 'coordinator.routing.remote.duration',
      kind: 'histogram',
      unit: 's',
      description: 'Duration of remote route resolutions, by outcome.',
      attributes: { outcome: closed(OUTCOME_VALUES) },
      boundaries: LATENCY_BUCKETS,
    },
    routingBulkItems: {
      name: 'coordinator.routing.bulk_resolve.items',
      kind: 'counter',
      unit: '{item}',
      description: 'Items submitted to bulk route resolution.',
    },
    routingBulkFailedItems: {
      name: 'coordinator.routing.bulk_resolve.failed_items',
      kind: 'counter',
      unit: '{item}',
      description: 'Items bulk route resolution failed to resolve.',
    },
    executionTasks: {
      name: 'coordinator.execution.tasks',
      kind: 'counter',
      unit: '{task}',
      description: 'Executed tasks, by path and outcome.',
      attributes: { path: closed(ROUTE_VALUES), outcome: closed(OUTCOME_VALUES) },
    },
    executionEscalationFailures: {
      name: 'coordinator.execution.escalation.failures',
      kind: 'counter',
      unit: '{failure}',
      description: 'Escalations (fast path to planner or HGNN) that failed.',
    },
    executionDuration: {
      name: 'coordinator.execution.duration',
      kind: 'histogram',
      unit: 's',
      description: 'Task execution duration, by path.',
      attributes: { path: closed(ROUTE_VALUES) },
      boundaries: LATENCY_BUCKETS,
    },
    persistenceProtoPlanUpserts: {
      name: 'coordinator.persistence.proto_plan.upserts',
      kind: 'counter',
      unit: '{upsert}',
      description: 'Proto-plan upserts, by status (truncated: stored after cutting an oversized plan).',
      attributes: { status: closed(['ok', 'err', 'truncated']) },
    },
    persistenceOutboxEnqueues: {
      name: 'coordinator.persistence.outbox.enqueues',
      kind: 'counter',
      unit: '{enqueue}',
      description: 'Outbox enqueues, by status (dup: the event was already queued).',
      attributes: { status: closed(['ok', 'dup', 'err']) },
    },
    persistenceDuration: {
      name: 'coordinator.persistence.duration',
      kind: 'histogram',
      unit: 's',
      description: 'Duration of persistence operations, by operation.',
      attributes: { operation: closed(['proto_plan_upsert', 'outbox_enqueue']) },
      boundaries: LATENCY_BUCKETS,
    },
    dispatchDispatches: {
      name: 'coordinator.dispatch.dispatches',
      kind: 'counter',
      unit: '{dispatch}',
      description: 'Dispatches to remote executors, by route and status.',
      attributes: { route: closed(DISPATCH_ROUTE_VALUES), status: closed(['ok', 'err']) },
    },
    dispatchDuration: {
      name: 'coordinator.dispatch.duration',
      kind: 'histogram',
      unit: 's',
      description: 'Dispatch duration, by route.',
      attributes: { route: closed(DISPATCH_ROUTE_VALUES) },
      boundaries: LATENCY_BUCKETS,
    },
    routeAndExecuteDuration: {
      name: 'coordinator.route_and_execute.duration',
      kind: 'histogram',
      unit: 's',
      description: 'End-to-end duration of routing a task and executing it.',
      boundaries: LATENCY_BUCKETS,
    },
  },
  presence: { instrument: 'executionTasks' },
  requests: [
    {
      id: 'execution',
      title: 'Task execution',
      total: { instrument: 'executionTasks' },
      errors: { instrument: 'executionTasks', match: { outcome: 'failure' } },
      latency: { instrument: 'executionDuration' },
      by: ['path'],
      // Planner and HGNN paths wait on model calls (LATENCY_BUCKETS goes to 60 s): 95 % within 10 s.
      slo: { availability: 0.99, latency: { thresholdSeconds: 10, objective: 0.95 } },
    },
    {
      id: 'dispatch',
      title: 'Dispatch',
      total: { instrument: 'dispatchDispatches' },
      errors: { instrument: 'dispatchDispatches', match: { status: 'err' } },
      latency: { instrument: 'dispatchDuration' },
      by: ['route'],
      slo: { availability: 0.99 },
    },
    {
      id: 'remoteRouting',
      title: 'Remote route resolution',
      total: { instrument: 'routingRemoteResolutions' },
      errors: { instrument: 'routingRemoteResolutions', match: { outcome: 'failure' } },
      latency: { instrument: 'routingRemoteDuration' },
      by: ['outcome'],
      slo: { availability: 0.99 },
    },
    {
      id: 'protoPlanUpserts',
      title: 'Proto-plan upserts',
      total: { instrument: 'persistenceProtoPlanUpserts' },
      errors: { instrument: 'persistenceProtoPlanUpserts', match: { status: 'err' } },
      latency: { instrument: 'persistenceDuration', match: { operation: 'proto_plan_upsert' } },
      by: ['status'],
      slo: { availability: 0.99 },
    },
    {
      id: 'outboxEnqueues',
      title: 'Outbox enqueues',
      total: { instrument: 'persistenceOutboxEnqueues' },
      errors: { instrument: 'persistenceOutboxEnqueues', match: { status: 'err' } },
      latency: { instrument: 'persistenceDuration', match: { operation: 'outbox_enqueue' } },
      by: ['status'],
      slo: { availability: 0.99 },
    },
    {
      id: 'bulkResolve',
      title: 'Bulk route resolution (items)',
      total: { instrument: 'routingBulkItems' },
      errors: { instrument: 'routingBulkFailedItems' },
    },
    {
      id: 'routeAndExecute',
      title: 'Route and execute (end to end)',
      latency: { instrument: 'routeAndExecuteDuration' },
    },
  ],
});

type C = (typeof COORDINATOR_CATALOG)['instruments'];

/** Paths a coordinator routes a task to. */
export type Route = AttributeValue<C['routingDecisions'], 'route'>;
/** Routes that dispatch to a remote executor (the fast path runs in place). */
export type DispatchRoute = AttributeValue<C['dispatchDispatches'], 'route'>;
export type Outcome = AttributeValue<C['executionTasks'], 'outcome'>;
export type PlanResult = AttributeValue<C['routingHgnnPlans'], 'result'>;
export type CacheResult = AttributeValue<C['routingCacheLookups'], 'result'>;
export type UpsertStatus = AttributeValue<C['persistenceProtoPlanUpserts'], 'status'>;
export type EnqueueStatus = AttributeValue<C['persistenceOutboxEnqueues'], 'status'>;
export type DispatchStatus = AttributeValue<C['dispatchDispatches'], 'status'>;
export type PersistenceOperation = AttributeValue<C['persistenceDuration'], 'operation'>;

const I = COORDINATOR_CATALOG.instruments;
export const ROUTES: readonly Route[] = I.routingDecisions.attributes.route.values;
export const DISPATCH_ROUTES: readonly DispatchRoute[] = I.dispatchDispatches.attributes.route.values;
export const OUTCOMES: readonly Outcome[] = I.executionTasks.attributes.outcome.values;
export const PLAN_RESULTS: readonly PlanResult[] = I.routingHgnnPlans.attributes.result.values;
export const CACHE_RESULTS: readonly CacheResult[] = I.routingCacheLookups.attributes.result.values;
export const UPSERT_STATUSES: readonly UpsertStatus[] = I.persistenceProtoPlanUpserts.attributes.status.values;
export const ENQUEUE_STATUSES: readonly EnqueueStatus[] = I.persistenceOutboxEnqueues.attributes.status.values;
export const DISPATCH_STATUSES: readonly DispatchStatus[] = I.dispatchDispatches.attributes.status.values;
export const PERSISTENCE_OPERATIONS: readonly PersistenceOperation[] = I.persistenceDuration.attributes.operation.values;

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

/** The flat definitions the meter classes bind, one per catalog instrument, in catalog order. */
const DEFS = Object.fromEntries(Object.entries(I).map(([k, d]) => [k, toMetricDefinition(d)])) as { readonly [K in keyof C]: MetricDefinition };

export const ROUTING_DECISIONS = DEFS.routingDecisions;
export const ROUTING_HGNN_PLANS = DEFS.routingHgnnPlans;
export const ROUTING_CACHE_LOOKUPS = DEFS.routingCacheLookups;
export const ROUTING_REMOTE_RESOLUTIONS = DEFS.routingRemoteResolutions;
export const ROUTING_REMOTE_DURATION = DEFS.routingRemoteDuration;
export const ROUTING_BULK_ITEMS = DEFS.routingBulkItems;
export const ROUTING_BULK_FAILED_ITEMS = DEFS.routingBulkFailedItems;
export const EXECUTION_TASKS = DEFS.executionTasks;
export const EXECUTION_ESCALATION_FAILURES = DEFS.executionEscalationFailures;
export const EXECUTION_DURATION = DEFS.executionDuration;
export const PERSISTENCE_PROTO_PLAN_UPSERTS = DEFS.persistenceProtoPlanUpserts;
export const PERSISTENCE_OUTBOX_ENQUEUES = DEFS.persistenceOutboxEnqueues;
export const PERSISTENCE_DURATION = DEFS.persistenceDuration;
export const DISPATCH_DISPATCHES = DEFS.dispatchDispatches;
export const DISPATCH_DURATION = DEFS.dispatchDuration;
export const ROUTE_AND_EXECUTE_DURATION = DEFS.routeAndExecuteDuration;

/** Every coordinator metric, in documentation order: the catalog's instruments, flattened. */
export const COORDINATOR_METRICS: readonly MetricDefinition[] = Object.freeze(Object.values(DEFS));
