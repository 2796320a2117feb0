import type { Attributes, BatchObservableResult, Meter as ApiMeter, Observable } from '@opentelemetry/api';
import { describeValue, type WarnOnce } from '@otelkit/metrics';
import { createObservableFor } from '../catalogue.js';
import { MetersConfigError } from '../errors.js';
import { DB_CONNECTION_COUNT, DB_CONNECTION_PENDING, DB_POOL_FREE, DB_POOL_SIZE } from './definitions.js';

/** The counters node-postgres' `pg.Pool` exposes (https://node-postgres.com/apis/pool#properties). */
export interface PgPoolLike {
  readonly totalCount: number;
  readonly idleCount: number;
  readonly waitingCount: number;
  readonly options?: { readonly host?: string; readonly port?: number | string; readonly database?: string; readonly connectionString?: string };
}

/** Pool counts from any pool implementation. */
export interface PoolStats {
  /** Open connections (idle + in use). */
  readonly size: number;
  /** Open connections not checked out. */
  readonly idle: number;
  /** Callers waiting for a connection. Default 0. */
  readonly waiting?: number;
}

/** A pool whose counts are read at collection time. */
export type PoolSource = PgPoolLike | PoolStats | (() => PoolStats);

export interface ObservePoolOptions {
  /**
   * `db.client.connection.pool.name`. Default: `host:port/database` of a pg.Pool (as the
   * semantic conventions suggest), else `default`.
   */
  readonly name?: string;
}

const POOL_NAME_KEY = 'db.client.connection.pool.name';
const STATE_KEY = 'db.client.connection.state';

function isPg(p: object): p is PgPoolLike {
  return typeof (p as PgPoolLike).totalCount === 'number' && typeof (p as PgPoolLike).idleCount === 'number';
}

/** `host:port/database` of a pg pool, without credentials; undefined when nothing is configured. */
export function pgPoolName(pool: PgPoolLike): string | undefined {
  const o = pool.options;
  if (o === undefined || o === null) return undefined;
  let host = o.host;
  let port = o.port !== undefined ? String(o.port) : undefined;
  let database = o.database;
  if (typeof o.connectionString === 'string') {
    try {
      const u = new URL(o.connectionString);
      host ??= decodeURIComponent(u.hostname) || undefined;
      port ??= u.port || undefined;
      database ??= decodeURIComponent(u.pathname.replace(/^\//, '')) || undefined;
    } catch {
      // Not a URL (a libpq key=value string): fall back to the explicit fields.
    }
  }
  if (host === undefined && database === undefined) return undefined;
  return `${host ?? 'localhost'}:${port ?? '5432'}/${database ?? ''}`;
}

interface Registration {
  readonly read: () => PoolStats;
  readonly base: Attributes;
  readonly idle: Attributes;
  readonly used: Attributes;
}

function valid(n: unknown): n is number {
  return typeof n === 'number' && n >= 0 && n !== Infinity;
}

/**
 * Connection pool gauges of one service: one batch callback reads every registered pool once per
 * collection, so idle + used always equals the size read at that instant.
 */
export class PoolGauges {
  readonly #meter: ApiMeter;
  readonly #service: string;
  readonly #warn: WarnOnce;
  readonly #pulseNames: boolean;
  readonly #pools = new Set<Registration>();
  #instruments: { count: Observable; pending: Observable; size?: Observable; free?: Observable } | undefined;

  constructor(meter: ApiMeter, service: string, warn: WarnOnce, pulseNames: boolean) {
    this.#meter = meter;
    this.#service = service;
    this.#warn = warn;
    this.#pulseNames = pulseNames;
  }

  /** Registers `pool`; returns a function that removes it. Throws on a source that has no counts. */
  observe(pool: PoolSource, options: ObservePoolOptions = {}): () => void {
    let read: () => PoolStats;
    let name = options.name;
    if (name !== undefined && (typeof name !== 'string' || name.length === 0)) {
      throw new MetersConfigError('observePool', 'options.name', 'must be a non-empty string', "{ name: 'main' }");
    }
    if (typeof pool === 'function') read = pool;
    else if (pool !== null && typeof pool === 'object' && isPg(pool)) {
      read = () => ({ size: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount });
      name ??= pgPoolName(pool);
    } else if (pool !== null && typeof pool === 'object' && 'size' in pool && 'idle' in pool) read = () => pool;
    else {
      throw new MetersConfigError(
        'observePool',
        'pool',
        'must be a pg.Pool, an object with numeric `size` and `idle` (and optional `waiting`), or a function returning one',
        'observePool(new pg.Pool(), { name: "main" })',
      );
    }
    const base = { service: this.#service, [POOL_NAME_KEY]: name ?? 'default' };
    const reg: Registration = { read, base, idle: { ...base, [STATE_KEY]: 'idle' }, used: { ...base, [STATE_KEY]: 'used' } };
    this.#ensureInstruments();
    this.#pools.add(reg);
    return () => {
      this.#pools.delete(reg);
    };
  }

  #ensureInstruments(): void {
    if (this.#instruments !== undefined) return;
    const m = this.#meter;
    const ins: { count: Observable; pending: Observable; size?: Observable; free?: Observable } = {
      count: createObservableFor(m, DB_CONNECTION_COUNT),
      pending: createObservableFor(m, DB_CONNECTION_PENDING),
    };
    if (this.#pulseNames) {
      ins.size = createObservableFor(m, DB_POOL_SIZE);
      ins.free = createObservableFor(m, DB_POOL_FREE);
    }
    this.#instruments = ins;
    const list = [ins.count, ins.pending, ...(ins.size ? [ins.size, ins.free!] : [])];
    m.addBatchObservableCallback(this.#collect, list);
  }

  readonly #collect = (result: BatchObservableResult): void => {
    const ins = this.#instruments!;
    for (const p of this.#pools) {
      let stats: PoolStats;
      let size: unknown, idle: unknown, waiting: unknown;
      try {
        stats = p.read();
        size = stats.size;
        idle = stats.idle;
        waiting = stats.waiting ?? 0;
      } catch (e) {
        this.#warn.warn(`read-failed:${DB_CONNECTION_COUNT.name}`, `pool "${String(p.base[POOL_NAME_KEY])}": reading its counts failed (${e instanceof Error ? e.message : typeof e}); left out of this collection`);
        continue;
      }
      if (!valid(size) || !valid(idle) || !valid(waiting) || idle > size) {
        this.#warn.warn(
          `bad-value:${DB_CONNECTION_COUNT.name}`,
          `pool "${String(p.base[POOL_NAME_KEY])}": counts size=${describeValue(size)} idle=${describeValue(idle)} waiting=${describeValue(waiting)} are not finite numbers >= 0 with idle <= size; left out of this collection`,
        );
        continue;
      }
      result.observe(ins.count, idle, p.idle);
      result.observe(ins.count, size - idle, p.used);
      result.observe(ins.pending, waiting, p.base);
      if (ins.size !== undefined) {
        result.observe(ins.size, size, p.base);
        result.observe(ins.free!, idle, p.base);
      }
    }
  };
}
