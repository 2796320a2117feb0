import { DISPATCH_THRESHOLD } from './dispatcher.js';
import { EvaluationError, score } from './evaluator.js';
import { MemoryPool } from './memory-pool.js';
import type { QueueName, SignalStore } from './signal-store.js';

interface Signal {
  readonly id: number;
  readonly payload: unknown;
  score?: number;
}

export interface MemoryStoreOptions {
  readonly poolMax: number;
  /** How long a batch keeps its connection, like a round trip to the database. Default 2 ms. */
  readonly queryMs?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The signals in process memory, for the demo without PostgreSQL: the same state machine as the
 * tables (pending → evaluated → dispatched | discarded | failed) and the same scoring, each batch
 * holding a connection of a {@link MemoryPool} while it runs.
 */
export class MemorySignalStore implements SignalStore {
  readonly kind = 'memory';
  readonly description: string;
  readonly pool: MemoryPool;
  readonly #queryMs: number;
  readonly #pending: Signal[] = [];
  readonly #evaluated: Signal[] = [];
  #nextId = 1;
  /** Final states, counted only (the demo runs for hours). */
  readonly done = { dispatched: 0, discarded: 0, failed: 0 };

  constructor(o: MemoryStoreOptions) {
    this.pool = new MemoryPool({ max: o.poolMax });
    this.#queryMs = o.queryMs ?? 2;
    this.description = `in-process queue behind a pool stand-in (max ${o.poolMax} connections)`;
  }

  insert(payloads: readonly unknown[]): Promise<void> {
    return this.pool.use(async () => {
      await sleep(this.#queryMs);
      for (const payload of payloads) this.#pending.push({ id: this.#nextId++, payload });
    });
  }

  evaluateBatch(batch: number): Promise<number> {
    return this.pool.use(async () => {
      await sleep(this.#queryMs);
      const claimed = this.#pending.splice(0, batch);
      let failed = 0;
      for (const s of claimed) {
        const v = score(s.payload);
        if (v === undefined) failed++;
        else this.#evaluated.push({ ...s, score: v });
      }
      this.done.failed += failed;
      if (failed > 0) throw new EvaluationError(`${failed} signal(s) could not be scored and were moved to failed`);
      return this.#pending.length;
    });
  }

  dispatchBatch(batch: number): Promise<number> {
    return this.pool.use(async () => {
      await sleep(this.#queryMs);
      for (const s of this.#evaluated.splice(0, batch)) {
        if (s.score! >= DISPATCH_THRESHOLD) this.done.dispatched++;
        else this.done.discarded++;
      }
      return this.#evaluated.length;
    });
  }

  depth(queue: QueueName): number {
    return queue === 'pending' ? this.#pending.length : this.#evaluated.length;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
