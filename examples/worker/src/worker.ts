import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServiceHealthMeters, type InstrumentedLoop } from '@otelkit/meters';
import { initTelemetry, type Telemetry } from '@otelkit/telemetry';
import { FaultSwitches } from '@otelkit/example-coordinator/fault-switches';
import { startFeeder, type Feeder } from './feeder.js';
import { MemorySignalStore } from './memory-store.js';
import { PostgresSignalStore } from './postgres-store.js';
import type { HeldConnection, SignalStore } from './signal-store.js';

export { redact } from './postgres-store.js';

/**
 * The worker's fault switches (see README):
 * - `error-burst`: every evaluator cycle fails after its batch (an `InjectedFault` error);
 * - `stalled-consumer`: the evaluator's cycle hangs before claiming anything (pending grows, no cycles end);
 * - `pool-exhausted`: every connection of the pool is checked out and held (idle 0, the loops wait).
 */
export const WORKER_FAULTS = ['error-burst', 'stalled-consumer', 'pool-exhausted'] as const;
export type WorkerFault = (typeof WORKER_FAULTS)[number];

/** The error of an `error-burst` cycle. */
export class InjectedFault extends Error {
  override name = 'InjectedFault';
}

export interface WorkerOptions {
  /**
   * Where the signals live: `{ databaseUrl }` (undefined URL: node-postgres' PG* variables) for
   * PostgreSQL, `'memory'` for the in-process queue and pool stand-in. Default: PostgreSQL at
   * `databaseUrl`.
   */
  readonly storage?: 'postgres' | 'memory';
  readonly databaseUrl?: string;
  readonly host?: string;
  /** Health server port; 0 picks a free one. */
  readonly port: number;
  /** Pause between cycles of each loop, ms. */
  readonly intervalMs: number;
  readonly poolMax: number;
  readonly batchSize: number;
  /** Queue one synthetic signal every `feedEveryMs` (0 or undefined: no feeder). */
  readonly feedEveryMs?: number;
  /** Every n-th synthetic signal cannot be scored (0: none). Default 0. */
  readonly poisonEvery?: number;
  /** Faults switched on at start. */
  readonly faults?: readonly WorkerFault[];
  /**
   * An existing initTelemetry() handle (the demo runs the coordinator and the worker in one
   * process with one /metrics); the worker then does not shut it down. Default: its own.
   */
  readonly telemetry?: Telemetry;
  /** Runtime metrics of its own initTelemetry() (event loop, GC, heap, CPU). Default false. */
  readonly runtimeMetrics?: boolean;
}

export interface Worker {
  readonly url: string;
  readonly store: SignalStore;
  readonly faults: FaultSwitches<WorkerFault>;
  close(): Promise<void>;
}

/**
 * Starts the Pulse-style worker: an evaluator loop and a dispatcher loop over one connection pool,
 * each a service with its health meters (cycle duration, outcomes, errors, queue depth), the pool
 * gauges, spans around every cycle, fault switches, and a health server with `/healthz`,
 * `/metrics` and `/admin/faults`.
 */
export async function startWorker(o: WorkerOptions): Promise<Worker> {
  const store: SignalStore =
    o.storage === 'memory' ? new MemorySignalStore({ poolMax: o.poolMax }) : await PostgresSignalStore.open({ databaseUrl: o.databaseUrl, poolMax: o.poolMax });

  const ownTelemetry = o.telemetry === undefined;
  let tel: Telemetry;
  try {
    tel =
      o.telemetry ??
      initTelemetry({
        serviceName: 'pulse-worker',
        serviceVersion: '0.1.0',
        prometheus: { server: false },
        runtimeMetrics: o.runtimeMetrics ?? false,
        shutdownHooks: false,
      });
  } catch (e) {
    // A ConfigError from the OTEL_* variables: close the pool, or its connections keep the process up.
    await store.close().catch(() => undefined);
    throw e;
  }
  const meter = tel.meter('pulse.worker', '0.1.0');
  const tracer = tel.tracer('pulse.worker', '0.1.0');
  const evaluator = createServiceHealthMeters(meter, { service: 'evaluator', operations: ['evaluate'], queues: ['pending'], pulseNames: true });
  const dispatcher = createServiceHealthMeters(meter, { service: 'dispatcher', operations: ['dispatch'], queues: ['evaluated'] });
  evaluator.observePool(store.pool, { name: 'main' });
  // Read at each collection, not set by the loops: a stalled consumer must show its queue growing.
  evaluator.observeQueueDepth('pending', () => store.depth('pending'));
  dispatcher.observeQueueDepth('evaluated', () => store.depth('evaluated'));

  const held: Promise<HeldConnection>[] = [];
  const faults = new FaultSwitches<WorkerFault>(WORKER_FAULTS, (name, on) => {
    if (name !== 'pool-exhausted') return;
    if (on) {
      // A leak: every connection checked out and kept (a connect() beyond the idle ones waits its turn).
      for (let i = 0; i < o.poolMax; i++) held.push(store.pool.connect());
    } else {
      for (const c of held.splice(0)) void c.then((x) => x.release(), () => undefined);
    }
  });
  for (const f of o.faults ?? []) faults.set(f, true);

  const log = (what: string) => (e: unknown) => console.error(`worker: ${what} cycle failed: ${e instanceof Error ? e.message : String(e)}`);
  const loops: InstrumentedLoop[] = [
    // `tracer`: each cycle is a span and its duration is recorded inside it (exemplars).
    evaluator.instrumentLoop(
      'evaluate',
      async (signal) => {
        // A consumer stuck before it claims anything: the cycle neither ends nor holds a connection.
        await faults.whileOn('stalled-consumer', signal);
        await store.evaluateBatch(o.batchSize);
        if (faults.isOn('error-burst')) throw new InjectedFault('error burst (fault switch): the scores of this batch were rejected');
      },
      { intervalMs: o.intervalMs, onError: log('evaluate'), tracer },
    ),
    dispatcher.instrumentLoop('dispatch', () => store.dispatchBatch(o.batchSize), { intervalMs: o.intervalMs, onError: log('dispatch'), tracer }),
  ];
  const feeder: Feeder | undefined =
    o.feedEveryMs !== undefined && o.feedEveryMs > 0 ? startFeeder(store, { everyMs: o.feedEveryMs, poisonEvery: o.poisonEvery ?? 0 }) : undefined;

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') return tel.metricsHandler(req, res);
    if (faults.handle(req, res)) return;
    if (path === '/healthz') {
      // Uses the pool like the loops do: when every connection is busy this waits (a pending request).
      store.pool.connect().then(
        (c) => {
          c.release();
          const p = store.pool;
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ status: 'ok', storage: store.kind, pool: { total: p.totalCount, idle: p.idleCount, waiting: p.waitingCount }, faults: faults.list() }));
        },
        (e: Error) => {
          res.writeHead(503, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ status: 'unavailable', error: e.message }));
        },
      );
      return;
    }
    res.writeHead(404).end();
  });
  const close = async (): Promise<void> => {
    // Switches off first: a held pool or a stalled cycle would block the feeder's and the loops' stop.
    faults.clear();
    await feeder?.stop();
    await Promise.all(loops.map((l) => l.stop()));
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await store.close();
    if (ownTelemetry) await tel.shutdown();
  };
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port, o.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    await close().catch(() => undefined);
    throw e;
  }
  const { address, port } = server.address() as AddressInfo;
  return { url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`, store, faults, close };
}
