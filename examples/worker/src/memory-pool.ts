/** A connection checked out of a {@link MemoryPool}; give it back with `release()`. */
export interface MemoryConnection {
  release(): void;
}

export interface MemoryPoolOptions {
  /** Most connections open at once (pg.Pool's `max`). */
  readonly max: number;
}

/**
 * An in-process stand-in for `pg.Pool` when the demo runs without PostgreSQL: the same counters
 * (`totalCount`, `idleCount`, `waitingCount`) with the same meaning, so the pool gauges, the
 * exhausted-pool fault and its alert behave as they do on a real pool. Like pg.Pool it opens a
 * connection only when no idle one is left and fewer than `max` are open, hands a released
 * connection straight to the longest waiter, and queues callers beyond `max` (waiting clients).
 * It does not close idle connections after a timeout (pg.Pool's `idleTimeoutMillis`): the demo's
 * loops use them every few hundred ms anyway.
 */
export class MemoryPool {
  /** What `pgPoolName` reads to name the pool (`memory:5432/signals`). */
  readonly options = { host: 'memory', database: 'signals' } as const;
  readonly #max: number;
  #open = 0;
  readonly #idle: MemoryConnection[] = [];
  readonly #waiters: ((c: MemoryConnection) => void)[] = [];
  #ended = false;

  constructor(options: MemoryPoolOptions) {
    if (!Number.isInteger(options.max) || options.max < 1) throw new RangeError(`MemoryPool: max must be an integer >= 1, got ${options.max}`);
    this.#max = options.max;
  }

  /** Open connections, idle or checked out (pg.Pool#totalCount). */
  get totalCount(): number {
    return this.#open;
  }

  /** Open connections not checked out (pg.Pool#idleCount). */
  get idleCount(): number {
    return this.#idle.length;
  }

  /** Callers waiting for a connection (pg.Pool#waitingCount). */
  get waitingCount(): number {
    return this.#waiters.length;
  }

  /** Checks a connection out: an idle one, a new one below `max`, or the next one released. */
  connect(): Promise<MemoryConnection> {
    if (this.#ended) return Promise.reject(new Error('Cannot use a pool after calling end on the pool'));
    const idle = this.#idle.pop();
    if (idle !== undefined) return Promise.resolve(idle);
    if (this.#open < this.#max) {
      this.#open++;
      return Promise.resolve(this.#connection());
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Runs `fn` with a checked-out connection and releases it whatever happens. */
  async use<T>(fn: () => Promise<T> | T): Promise<T> {
    const c = await this.connect();
    try {
      return await fn();
    } finally {
      c.release();
    }
  }

  /** Closes the idle connections; later `connect()` calls reject. Waiting callers keep waiting for releases. */
  async end(): Promise<void> {
    this.#ended = true;
    this.#open -= this.#idle.length;
    this.#idle.length = 0;
  }

  #connection(): MemoryConnection {
    let released = false;
    const c: MemoryConnection = {
      release: () => {
        // pg throws on a double release; a stand-in that miscounted would make the gauges lie.
        if (released) throw new Error('Release called on client which has already been released to the pool.');
        released = true;
        const next = this.#waiters.shift();
        if (next !== undefined) next(this.#connection());
        else if (this.#ended) this.#open--;
        else this.#idle.push(this.#connection());
      },
    };
    return c;
  }
}
