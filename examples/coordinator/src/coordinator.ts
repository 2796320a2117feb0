import { SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import type { CoordinatorMeters, Route } from '@otelkit/meters';

/** A unit of work, as a client submits it. */
export interface Task {
  readonly id: string;
  /** Task family; the route cache is keyed by it. `unroutable-*` kinds fail remote resolution. */
  readonly kind: string;
  /** 0 … 1: below 0.3 the fast path, below 0.7 the planner, above the HGNN. */
  readonly complexity: number;
  /** Paths on which execution fails (for demos and tests). */
  readonly failOn?: readonly Route[];
}

export interface TaskResult {
  readonly id: string;
  readonly route: Route;
  /** The path that finally ran the task (fast escalates to planner on failure). */
  readonly path: Route;
  readonly ok: boolean;
  readonly planSteps?: number;
}

export interface CoordinatorOptions {
  /** Simulated latency of the remote routing service, the planner and the HGNN, in ms. */
  readonly latencyMs?: { readonly remote: number; readonly fast: number; readonly planner: number; readonly hgnn: number };
  /** Spans: one per task (`coordinator route_and_execute`), so its measurements carry exemplars. Default: the global tracer. */
  readonly tracer?: Tracer;
  /** How long a resolved route stays cached; default forever. */
  readonly routeCacheTtlMs?: number;
  /** While it answers true, every execution fails whatever its path (the `error-burst` fault). */
  readonly failAll?: () => boolean;
}

/** Outbox ids kept for duplicate detection; the oldest are forgotten beyond it (the demo runs for hours). */
const OUTBOX_MEMORY = 10_000;

/** Longest proto-plan stored whole; longer ones are cut (an upsert with status `truncated`). */
export const MAX_PLAN_STEPS = 8;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

class ExecutionError extends Error {
  override name = 'ExecutionError';
}

/** Local routing rule, also what the remote routing service answers. */
export function routeFor(complexity: number): Route {
  return complexity < 0.3 ? 'fast' : complexity < 0.7 ? 'planner' : 'hgnn';
}

/**
 * A SeedCore-style coordinator: resolves a route (cache, then the remote routing service), runs
 * the fast path in place or plans and dispatches to a remote executor, persists the proto-plan,
 * enqueues the result in the outbox. Every step is measured through the coordinator meter sets.
 */
export class Coordinator {
  readonly #meters: CoordinatorMeters;
  readonly #latency: NonNullable<CoordinatorOptions['latencyMs']>;
  readonly #routeCache = new Map<string, { route: Route; until: number }>();
  readonly #cacheTtlMs: number;
  readonly #outbox = new Set<string>();
  readonly #tracer: Tracer;
  readonly #failAll: () => boolean;

  constructor(meters: CoordinatorMeters, options: CoordinatorOptions = {}) {
    this.#meters = meters;
    this.#latency = options.latencyMs ?? { remote: 3, fast: 2, planner: 15, hgnn: 30 };
    this.#tracer = options.tracer ?? trace.getTracer('seedcore.coordinator');
    this.#failAll = options.failAll ?? (() => false);
    this.#cacheTtlMs = options.routeCacheTtlMs ?? Infinity;
  }

  /**
   * Routes and runs one task inside a span: every measurement of the task is recorded in the
   * span's context, so the histograms' exemplars link to it.
   */
  routeAndExecute(task: Task): Promise<TaskResult> {
    return this.#tracer.startActiveSpan('coordinator route_and_execute', { attributes: { 'task.kind': task.kind } }, async (span) => {
      const start = performance.now();
      try {
        const route = await this.#resolve(task);
        this.#meters.routing.decision(route);
        const result = await this.#execute(task, route);
        this.#enqueue(task, result);
        span.setAttributes({ 'coordinator.route': route, 'coordinator.path': result.path });
        if (!result.ok) span.setStatus({ code: SpanStatusCode.ERROR, message: `task failed on ${result.path}` });
        return result;
      } finally {
        this.#meters.routeAndExecute((performance.now() - start) / 1000);
        span.end();
      }
    });
  }

  /** Resolves the routes of many tasks in one call (warming the cache); returns how many failed. */
  async bulkResolve(tasks: readonly Task[]): Promise<{ resolved: number; failed: number }> {
    let failed = 0;
    await sleep(this.#latency.remote);
    for (const t of tasks) {
      if (t.kind.startsWith('unroutable')) failed++;
      else this.#cache(t.kind, routeFor(t.complexity));
    }
    this.#meters.routing.bulkResolve(tasks.length, failed);
    return { resolved: tasks.length - failed, failed };
  }

  async #resolve(task: Task): Promise<Route> {
    const cached = this.#routeCache.get(task.kind);
    if (cached !== undefined && cached.until > performance.now()) {
      this.#meters.routing.cacheLookup('hit');
      return cached.route;
    }
    this.#meters.routing.cacheLookup('miss');
    const start = performance.now();
    await sleep(this.#latency.remote);
    if (task.kind.startsWith('unroutable')) {
      // The routing service could not place it: route locally, do not cache.
      this.#meters.routing.remoteResolution('failure', (performance.now() - start) / 1000);
      return routeFor(task.complexity);
    }
    const route = routeFor(task.complexity);
    this.#meters.routing.remoteResolution('success', (performance.now() - start) / 1000);
    this.#cache(task.kind, route);
    return route;
  }

  #cache(kind: string, route: Route): void {
    this.#routeCache.set(kind, { route, until: performance.now() + this.#cacheTtlMs });
  }

  async #execute(task: Task, route: Route): Promise<TaskResult> {
    const m = this.#meters;
    if (route === 'fast') {
      try {
        await m.execution.run('fast', () => this.#work(task, 'fast', this.#latency.fast));
        return { id: task.id, route, path: 'fast', ok: true };
      } catch {
        // Escalate to the planner; if that fails too, the escalation failed.
        const r = await this.#planAndDispatch(task, route, 'planner');
        if (!r.ok) m.execution.escalationFailure();
        return r;
      }
    }
    if (route === 'hgnn') {
      const steps = Math.ceil(task.complexity * 12);
      if (task.kind.startsWith('novel')) {
        // No graph knowledge of this kind: the HGNN finds no plan, the planner takes over.
        m.routing.hgnnPlan('empty');
        return this.#planAndDispatch(task, route, 'planner');
      }
      m.routing.hgnnPlan('generated');
      return this.#planAndDispatch(task, route, 'hgnn', steps);
    }
    return this.#planAndDispatch(task, route, 'planner');
  }

  async #planAndDispatch(task: Task, route: Route, path: 'planner' | 'hgnn', steps = Math.ceil(task.complexity * 10)): Promise<TaskResult> {
    const m = this.#meters;
    let t = performance.now();
    await sleep(1); // the proto-plan upsert
    m.persistence.protoPlanUpsert(steps > MAX_PLAN_STEPS ? 'truncated' : 'ok', (performance.now() - t) / 1000);
    t = performance.now();
    let ok = true;
    try {
      await m.execution.run(path, () => this.#work(task, path, this.#latency[path]));
    } catch {
      ok = false;
    }
    m.dispatch.dispatch(path, ok ? 'ok' : 'err', (performance.now() - t) / 1000);
    return { id: task.id, route, path, ok, planSteps: Math.min(steps, MAX_PLAN_STEPS) };
  }

  async #work(task: Task, path: Route, ms: number): Promise<void> {
    await sleep(ms);
    if (this.#failAll()) throw new ExecutionError(`task ${task.id} failed on ${path} (error burst)`);
    if (task.failOn?.includes(path)) throw new ExecutionError(`task ${task.id} failed on ${path}`);
  }

  #enqueue(task: Task, result: TaskResult): void {
    const t = performance.now();
    if (this.#outbox.has(task.id)) {
      this.#meters.persistence.outboxEnqueue('dup', (performance.now() - t) / 1000);
      return;
    }
    if (!result.ok && task.kind.startsWith('poison')) {
      this.#meters.persistence.outboxEnqueue('err', (performance.now() - t) / 1000);
      return;
    }
    this.#outbox.add(task.id);
    if (this.#outbox.size > OUTBOX_MEMORY) this.#outbox.delete(this.#outbox.values().next().value!);
    this.#meters.persistence.outboxEnqueue('ok', (performance.now() - t) / 1000);
  }
}
