import type { PgPoolLike } from '@otelkit/meters';

/** The two queues of the worker: signals waiting to be scored, and scored ones waiting to be sent. */
export type QueueName = 'pending' | 'evaluated';
export const QUEUES: readonly QueueName[] = ['pending', 'evaluated'];

/** A connection checked out of the store's pool (pg.PoolClient or the in-process stand-in's). */
export interface HeldConnection {
  release(): void;
}

/**
 * Where the signals live: PostgreSQL ({@link PostgresSignalStore}) or, when no database is
 * configured, an in-process queue behind a pool stand-in ({@link MemorySignalStore}). Both check a
 * connection out of one pool for every batch, so the pool gauges mean the same thing on both.
 */
export interface SignalStore {
  readonly kind: 'postgres' | 'memory';
  /** For messages: the redacted connection string, or what the stand-in is. */
  readonly description: string;
  /** The pool the loops share: observed by the pool gauges, held by the exhausted-pool fault. */
  readonly pool: PgPoolLike & { connect(): Promise<HeldConnection> };
  /** Queues signals (`{ trust }` scores; `{ poison: true }` cannot be scored). */
  insert(payloads: readonly unknown[]): Promise<void>;
  /** One evaluator batch; the pending depth left. Throws EvaluationError when some could not be scored. */
  evaluateBatch(batch: number): Promise<number>;
  /** One dispatcher batch; the evaluated depth left. */
  dispatchBatch(batch: number): Promise<number>;
  /** The depth of `queue` now, read without the shared pool (so a busy pool cannot hide a backlog). */
  depth(queue: QueueName): number | Promise<number>;
  close(): Promise<void>;
}
