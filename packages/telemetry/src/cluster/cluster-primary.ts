import type { Cluster, Worker as ClusterWorker } from 'node:cluster';
import type { Worker as ThreadWorker } from 'node:worker_threads';
import { diag } from '@opentelemetry/api';
import { ClusterMember } from './cluster-member.js';
import type { ClusterStore } from './cluster-store.js';
import { CLUSTER_TAG, isClusterMessage, type ClusterMessage } from './protocol.js';

/** One worker as the primary talks to it: a `node:cluster` worker or a `worker_threads` Worker. */
interface WorkerLink {
  readonly member: ClusterMember;
  send(message: ClusterMessage): void;
  detach(): void;
}

const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * The primary side: follows `node:cluster` forks (and the threads handed to `attach`), sends
 * collection requests, feeds answers and exits to the ClusterStore.
 */
export class ClusterPrimary {
  readonly store: ClusterStore;
  readonly #links = new Map<ClusterMember, WorkerLink>();
  readonly #cluster: Cluster | undefined;
  readonly #onFork = (w: ClusterWorker): void => this.#attachClusterWorker(w);
  readonly #warnedIds = new Set<string>();

  constructor(store: ClusterStore, cluster: Cluster | undefined) {
    this.store = store;
    this.#cluster = cluster;
    store.send = (m, id, base) => this.#links.get(m)?.send({ tag: CLUSTER_TAG, type: 'collect', id, base });
    if (cluster !== undefined) {
      for (const w of Object.values(cluster.workers ?? {})) if (w !== undefined) this.#attachClusterWorker(w);
      cluster.on('fork', this.#onFork);
    }
  }

  #add(member: ClusterMember, send: (m: ClusterMessage) => void, detach: () => void): (msg: unknown) => void {
    this.store.members.add(member);
    this.#links.set(member, { member, send, detach });
    return (msg) => {
      if (!isClusterMessage(msg)) return;
      try {
        if (msg.type === 'hello') {
          member.pid = msg.pid;
          member.instanceId = msg.instanceId;
          this.#checkInstanceId(member);
          if (member.state === 'starting') member.state = 'ready';
        } else if (msg.type === 'collection') this.store.answered(member, msg.id, msg.collection);
        else if (msg.type === 'final') this.store.final(member, msg.collection);
      } catch (e) {
        // A malformed message costs that worker's answer, never the primary.
        diag.warn(`otelkit/cluster: dropped a message from worker ${member.label}: ${errText(e)}`);
      }
    };
  }

  /**
   * Each process' OTLP export is told apart by its service.instance.id: two live processes with
   * the same one (an explicit `serviceInstanceId` shared by every worker) would be merged or
   * overwrite each other in the backend. Once per id.
   */
  #checkInstanceId(member: ClusterMember): void {
    const id = member.instanceId;
    if (id === undefined || this.#warnedIds.has(id)) return;
    const twin = [this.store.local, ...this.store.members].find((m) => m !== member && m.state !== 'exited' && m.instanceId === id);
    if (twin === undefined) return;
    this.#warnedIds.add(id);
    diag.warn(
      `otelkit/cluster: worker ${member.label} has the same service.instance.id as ${twin.label === 'primary' ? 'the primary' : `worker ${twin.label}`} ("${id}"): their OTLP exports cannot be told apart. Leave serviceInstanceId unset (a UUID per process) or make it unique per worker.`,
    );
  }

  #exited(member: ClusterMember): void {
    this.store.exited(member);
    this.#links.get(member)?.detach();
    this.#links.delete(member);
  }

  #attachClusterWorker(w: ClusterWorker): void {
    if ([...this.#links.keys()].some((m) => m.label === String(w.id))) return;
    const member = new ClusterMember(String(w.id), w.process.pid);
    const onExit = (): void => this.#exited(member);
    const send = (m: ClusterMessage): void => {
      if (!w.isConnected()) return;
      // With a callback, a send on a closing channel reports here instead of an 'error' event.
      w.send(m, (e: Error | null) => {
        if (e) member.lastError = `send failed: ${e.message}`;
      });
    };
    const onMessage = this.#add(member, send, () => {
      w.off('message', onMessage);
      w.off('exit', onExit);
    });
    w.on('message', onMessage);
    w.on('exit', onExit);
    // A worker whose telemetry started before this primary's says hello when asked.
    send({ tag: CLUSTER_TAG, type: 'probe' });
  }

  /** Aggregates a `worker_threads` Worker whose thread runs `initTelemetry({ cluster })`. */
  attachThread(w: ThreadWorker): void {
    const member = new ClusterMember(`thread-${w.threadId}`);
    const onExit = (): void => this.#exited(member);
    const send = (m: ClusterMessage): void => {
      try {
        w.postMessage(m);
      } catch (e) {
        member.lastError = `send failed: ${errText(e)}`;
      }
    };
    const onMessage = this.#add(member, send, () => {
      w.off('message', onMessage);
      w.off('exit', onExit);
    });
    w.on('message', onMessage);
    w.on('exit', onExit);
    send({ tag: CLUSTER_TAG, type: 'probe' });
  }

  stop(): void {
    this.#cluster?.off('fork', this.#onFork);
    for (const l of this.#links.values()) l.detach();
    this.#links.clear();
  }
}
