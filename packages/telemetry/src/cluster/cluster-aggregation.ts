import type * as NodeCluster from 'node:cluster';
import type * as WorkerThreads from 'node:worker_threads';
import type { Worker as ThreadWorker } from 'node:worker_threads';
import type { MetricStore } from '@otelkit/metrics';
import { ConfigError } from '@otelkit/metrics';
import type { ClusterMode, ResolvedClusterOptions } from './cluster-options.js';
import { ClusterPrimary } from './cluster-primary.js';
import type { ClusterMemberState } from './cluster-member.js';
import { ClusterStore } from './cluster-store.js';
import { ClusterWorkerSide, processPort, threadPort } from './cluster-worker.js';

/** One worker in `health().cluster.workers`. */
export interface ClusterWorkerHealth {
  /** The worker label's value: the `node:cluster` worker id, `thread-<threadId>`, or `primary`. */
  readonly worker: string;
  readonly pid: number | null;
  /** The worker's `service.instance.id` (its OTLP export carries it). */
  readonly serviceInstanceId: string | null;
  /** `starting`: forked, its telemetry not up yet; `unresponsive`: missed the last collection (its previous values are served); `exited`: its series age out. */
  readonly state: ClusterMemberState;
  /** Unix epoch ms of its last answer. */
  readonly lastCollectMs: number | null;
  readonly lastError: string | null;
}

/** `health().cluster`. */
export type ClusterHealth =
  | {
      readonly role: 'primary';
      readonly mode: ClusterMode;
      /** Series in the last merged scrape. */
      readonly series: number;
      /** Series of exited workers kept in the summed totals (`sum` mode). */
      readonly departedSeries: number;
      readonly lastCollectMs: number | null;
      readonly workers: readonly ClusterWorkerHealth[];
    }
  | { readonly role: 'worker'; readonly mode: ClusterMode; readonly lastCollectMs: number | null };

/** `telemetry.cluster`: present when `initTelemetry({ cluster })` was given. */
export interface ClusterHandle {
  readonly role: 'primary' | 'worker';
  readonly mode: ClusterMode;
  /** Primary: collects from every worker now (as a scrape does), so `snapshot()` is current. Worker: resolves at once. */
  collect(): Promise<void>;
  /** Primary: aggregates a `worker_threads` Worker whose thread calls `initTelemetry({ cluster })`. Throws on a worker. */
  attach(worker: ThreadWorker): void;
  health(): ClusterHealth;
}

/** What initTelemetry() wires: the store the scrape and snapshot() read, the handle, and the stop step of shutdown(). */
export interface ClusterSetup {
  readonly handle: ClusterHandle;
  /** Primary: the merged store for /metrics and snapshot(); worker: undefined (its own store). */
  readonly scrapeStore: MetricStore | undefined;
  /** Health is failing (a worker missed the last collection). */
  failing(): boolean;
  stop(timeoutMs: number): Promise<void>;
}

function builtin<T>(id: string): T {
  // Loaded when cluster aggregation is asked for only (no cost on the startup of other services).
  return process.getBuiltinModule(id) as T;
}

/**
 * Sets up the side of the aggregation this process is on (see ClusterOptions.role): the primary
 * gets a ClusterStore that merges its workers' collections; a worker answers the primary.
 * OTLP is untouched on both sides: every process exports its own series under its own
 * `service.instance.id`, and the merged store is read by the scrape (and snapshot()) only.
 */
export function setupCluster(own: MetricStore, options: ResolvedClusterOptions, instanceId: string): ClusterSetup {
  const cluster = builtin<typeof NodeCluster.default>('node:cluster');
  const threads = builtin<typeof WorkerThreads>('node:worker_threads');
  const role = options.role !== 'auto' ? options.role : cluster.isWorker || !threads.isMainThread ? 'worker' : 'primary';
  if (role === 'worker') {
    const port = cluster.isWorker || threads.parentPort === null ? processPort() : threadPort(threads.parentPort);
    if (threads.parentPort === null && process.send === undefined) {
      throw new ConfigError('cluster.role', 'this process has no primary to answer (not forked with an IPC channel, not a worker thread)', "cluster: { role: 'auto' }");
    }
    const side = new ClusterWorkerSide(own, port, instanceId, Math.max(1, Math.floor(options.timeoutMs * 0.8)));
    return {
      scrapeStore: undefined,
      failing: () => false,
      stop: (t) => side.stop(t),
      handle: {
        role,
        mode: options.mode,
        collect: async () => undefined,
        attach: () => {
          throw new ConfigError('cluster.role', 'attach() is for the primary; this process is a cluster worker', "cluster: { role: 'primary' }");
        },
        health: () => ({ ...side.health(), mode: options.mode }),
      },
    };
  }
  const store = new ClusterStore(own, options);
  store.local.instanceId = instanceId;
  const primary = new ClusterPrimary(store, cluster.isPrimary ? cluster : undefined);
  const health = (): ClusterHealth => {
    const workers: ClusterWorkerHealth[] = [];
    for (const m of [store.local, ...store.members]) {
      workers.push({ worker: m.label, pid: m.pid ?? null, serviceInstanceId: m.instanceId ?? null, state: m.state, lastCollectMs: m.lastCollectMs ?? null, lastError: m.lastError ?? null });
    }
    let departedSeries = 0;
    for (const i of store.departed.instruments) departedSeries += i.attrs.length;
    return { role: 'primary', mode: options.mode, series: store.seriesCount, departedSeries, lastCollectMs: store.lastMergeMs ?? null, workers };
  };
  return {
    scrapeStore: store,
    failing: () => [...store.members].some((m) => m.state === 'unresponsive'),
    stop: async () => primary.stop(),
    handle: {
      role,
      mode: options.mode,
      collect: async () => {
        await store.gather();
      },
      attach: (w) => primary.attachThread(w),
      health,
    },
  };
}
