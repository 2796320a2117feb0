import type { MessagePort } from 'node:worker_threads';
import type { MetricStore } from '@otelkit/metrics';
import { CLUSTER_TAG, encodeCollection, isClusterMessage, type ClusterMessage, type WireBase } from './protocol.js';

/** Where a worker's messages go: its process' IPC channel, or its thread's parent port. */
export interface WorkerPort {
  send(m: ClusterMessage): Promise<void>;
  on(listener: (m: unknown) => void): void;
  off(listener: (m: unknown) => void): void;
  readonly connected: boolean;
}

export function processPort(): WorkerPort {
  return {
    send: (m) =>
      new Promise<void>((resolve) => {
        if (process.send === undefined || !process.connected) return resolve();
        process.send(m, undefined, undefined, () => resolve());
      }),
    on: (l) => process.on('message', l),
    off: (l) => process.off('message', l),
    get connected() {
      return process.connected;
    },
  };
}

export function threadPort(port: MessagePort): WorkerPort {
  let open = true;
  port.once('close', () => (open = false));
  return {
    send: async (m) => {
      if (open) port.postMessage(m);
    },
    on: (l) => port.on('message', l),
    off: (l) => port.off('message', l),
    get connected() {
      return open;
    },
  };
}

/** Health of the worker side: when the primary last collected. */
export interface ClusterWorkerSideHealth {
  readonly role: 'worker';
  readonly lastCollectMs: number | null;
}

/**
 * The worker side: answers the primary's collection requests with this process' collection
 * (`store.collect`: callbacks, encode, end of the exemplar cycle), and sends its final values
 * when its telemetry shuts down, so a graceful exit loses nothing counted since the last scrape.
 */
export class ClusterWorkerSide {
  readonly #store: MetricStore;
  readonly #port: WorkerPort;
  readonly #instanceId: string;
  readonly #collectTimeoutMs: number;
  /** What the primary holds once it applied the last answer. */
  #known: WireBase = { instruments: 0, series: [] };
  #lastCollectMs: number | undefined;
  #stopped = false;
  readonly #listener = (m: unknown): void => {
    if (!isClusterMessage(m) || this.#stopped) return;
    if (m.type === 'probe') void this.#hello();
    else if (m.type === 'collect') void this.#answer(m.id, m.base);
  };

  constructor(store: MetricStore, port: WorkerPort, instanceId: string, collectTimeoutMs: number) {
    this.#store = store;
    this.#port = port;
    this.#instanceId = instanceId;
    this.#collectTimeoutMs = collectTimeoutMs;
    port.on(this.#listener);
    void this.#hello();
  }

  #hello(): Promise<void> {
    return this.#port.send({ tag: CLUSTER_TAG, type: 'hello', pid: process.pid, instanceId: this.#instanceId });
  }

  async #answer(id: number, base: WireBase): Promise<void> {
    try {
      const { result, errors } = await this.#store.collect((view) => encodeCollection(view, base), { timeoutMs: this.#collectTimeoutMs });
      this.#known = { instruments: base.instruments + result.instruments.length, series: result.from.map((f, i) => f + result.attrs[i]!.length) };
      this.#lastCollectMs = Date.now();
      await this.#port.send({ tag: CLUSTER_TAG, type: 'collection', id, collection: result, errors: errors.length });
    } catch {
      // The primary times out and reports this worker; recording goes on.
    }
  }

  health(): ClusterWorkerSideHealth {
    return { role: 'worker', lastCollectMs: this.#lastCollectMs ?? null };
  }

  /** Final values to the primary (bounded), then stop answering. */
  async stop(timeoutMs: number): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#port.off(this.#listener);
    if (!this.#port.connected) return;
    const { result } = this.#store.collectSync((view) => encodeCollection(view, this.#known));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.#port.send({ tag: CLUSTER_TAG, type: 'final', collection: result }),
      new Promise<void>((r) => {
        timer = setTimeout(r, timeoutMs);
        timer.unref?.();
      }),
    ]);
    clearTimeout(timer);
  }
}
