import pg from 'pg';
import { dispatchBatch } from './dispatcher.js';
import { evaluateBatch } from './evaluator.js';
import { migrate } from './schema.js';
import type { QueueName, SignalStore } from './signal-store.js';

export interface PostgresStoreOptions {
  /** A postgresql:// URL; undefined: node-postgres reads PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD. */
  readonly databaseUrl?: string;
  readonly poolMax: number;
}

/** How long one depth read is reused: both queue gauges of a scrape come from one query. */
const DEPTH_TTL_MS = 200;
/** How long a scrape waits for a depth read before reporting the last depths read. */
const DEPTH_WAIT_MS = 250;

/** The signals in PostgreSQL: `SELECT … FOR UPDATE SKIP LOCKED` batches over one pg.Pool. */
export class PostgresSignalStore implements SignalStore {
  readonly kind = 'postgres';
  readonly description: string;
  readonly pool: pg.Pool;
  /**
   * Queue depths are read on a connection of their own, outside the observed pool: when the pool
   * is exhausted the depth must still be readable, or the backlog would vanish from /metrics just
   * when it matters.
   */
  readonly #monitor: pg.Pool;
  #depths: Record<QueueName, number> = { pending: 0, evaluated: 0 };
  #readAt = -Infinity;
  #reading: Promise<void> | undefined;

  private constructor(o: PostgresStoreOptions) {
    this.description = o.databaseUrl !== undefined ? redact(o.databaseUrl) : describeEnv();
    this.pool = new pg.Pool({ connectionString: o.databaseUrl, max: o.poolMax });
    this.#monitor = new pg.Pool({ connectionString: o.databaseUrl, max: 1 });
    // An idle client's error (the server went away) must not crash the worker; the next cycle fails and is counted.
    for (const p of [this.pool, this.#monitor]) p.on('error', (e) => console.error(`worker: idle database connection failed: ${e.message}`));
  }

  /** Connects, creates the tables if needed; throws naming the (redacted) database on failure. */
  static async open(o: PostgresStoreOptions): Promise<PostgresSignalStore> {
    const store = new PostgresSignalStore(o);
    try {
      await migrate(store.pool);
    } catch (e) {
      await store.close().catch(() => undefined);
      throw new Error(`cannot prepare the database at ${store.description}: ${e instanceof Error ? e.message : String(e)}`);
    }
    return store;
  }

  async insert(payloads: readonly unknown[]): Promise<void> {
    await this.pool.query('INSERT INTO signals (payload) SELECT * FROM unnest($1::jsonb[])', [payloads]);
  }

  evaluateBatch(batch: number): Promise<number> {
    return evaluateBatch(this.pool, batch);
  }

  dispatchBatch(batch: number): Promise<number> {
    return dispatchBatch(this.pool, batch);
  }

  depth(queue: QueueName): number | Promise<number> {
    if (this.#reading === undefined && performance.now() - this.#readAt > DEPTH_TTL_MS) {
      this.#reading = this.#monitor
        .query<{ status: string; n: string }>("SELECT status, count(*) AS n FROM signals WHERE status IN ('pending', 'evaluated') GROUP BY status")
        .then(
          ({ rows }) => {
            const by = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
            this.#depths = { pending: by.pending ?? 0, evaluated: by.evaluated ?? 0 };
            this.#readAt = performance.now();
          },
          (e: Error) => console.error(`worker: reading the queue depths failed: ${e.message}`),
        )
        .finally(() => (this.#reading = undefined));
    }
    if (this.#reading === undefined) return this.#depths[queue];
    // A read stuck behind a lock (the pool test locks the table) must not stall the scrape: after
    // DEPTH_WAIT_MS the last depths read are reported.
    let timer: NodeJS.Timeout | undefined;
    const wait = new Promise<void>((resolve) => (timer = setTimeout(resolve, DEPTH_WAIT_MS)));
    return Promise.race([this.#reading, wait]).then(() => {
      clearTimeout(timer);
      return this.#depths[queue];
    });
  }

  async close(): Promise<void> {
    await Promise.all([this.pool.end(), this.#monitor.end()]);
  }
}

/** A connection string without its password, for messages. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable DATABASE_URL)';
  }
}

function describeEnv(): string {
  const e = process.env;
  return `PGHOST=${e.PGHOST ?? '(unset)'} PGPORT=${e.PGPORT ?? '(unset)'} PGDATABASE=${e.PGDATABASE ?? '(unset)'} PGUSER=${e.PGUSER ?? '(unset)'}`;
}
