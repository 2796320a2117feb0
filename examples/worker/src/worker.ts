import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServiceHealthMeters, type InstrumentedLoop } from '@otelkit/meters';
import { initTelemetry } from '@otelkit/telemetry';
import pg from 'pg';
import { dispatchBatch } from './dispatcher.js';
import { evaluateBatch } from './evaluator.js';
import { migrate } from './schema.js';

export interface WorkerOptions {
  readonly databaseUrl: string;
  readonly host?: string;
  /** Health server port; 0 picks a free one. */
  readonly port: number;
  /** Pause between cycles of each loop, ms. */
  readonly intervalMs: number;
  readonly poolMax: number;
  readonly batchSize: number;
}

export interface Worker {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Starts the Pulse-style worker: an evaluator loop and a dispatcher loop over one pg.Pool, each a
 * service with its health meters (cycle duration, outcomes, errors, queue depth), the pool gauges,
 * and a health server with `/healthz` and `/metrics`.
 */
export async function startWorker(o: WorkerOptions): Promise<Worker> {
  const pool = new pg.Pool({ connectionString: o.databaseUrl, max: o.poolMax });
  // An idle client's error (the server went away) must not crash the worker; the next cycle fails and is counted.
  pool.on('error', (e) => console.error(`worker: idle database connection failed: ${e.message}`));
  try {
    await migrate(pool);
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw new Error(`cannot prepare the database at ${redact(o.databaseUrl)}: ${e instanceof Error ? e.message : String(e)}`);
  }

  const tel = initTelemetry({
    serviceName: 'pulse-worker',
    serviceVersion: '0.1.0',
    prometheus: { server: false },
    runtimeMetrics: false,
    shutdownHooks: false,
  });
  const meter = tel.meter('pulse.worker', '0.1.0');
  const evaluator = createServiceHealthMeters(meter, { service: 'evaluator', operations: ['evaluate'], queues: ['pending'], pulseNames: true });
  const dispatcher = createServiceHealthMeters(meter, { service: 'dispatcher', operations: ['dispatch'], queues: ['evaluated'] });
  evaluator.observePool(pool, { name: 'main' });

  const pending = evaluator.queueDepth('pending');
  const evaluated = dispatcher.queueDepth('evaluated');
  const log = (what: string) => (e: unknown) => console.error(`worker: ${what} cycle failed: ${e instanceof Error ? e.message : String(e)}`);
  const loops: InstrumentedLoop[] = [
    evaluator.instrumentLoop('evaluate', async () => pending.set(await evaluateBatch(pool, o.batchSize)), { intervalMs: o.intervalMs, onError: log('evaluate') }),
    dispatcher.instrumentLoop('dispatch', async () => evaluated.set(await dispatchBatch(pool, o.batchSize)), { intervalMs: o.intervalMs, onError: log('dispatch') }),
  ];

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') return tel.metricsHandler(req, res);
    if (path === '/healthz') {
      // Uses the pool like the loops do: when every connection is busy this waits (a pending request).
      pool.query('SELECT 1').then(
        () => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ status: 'ok', pool: { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount } }));
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
    await Promise.all(loops.map((l) => l.stop()));
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await pool.end();
    await tel.shutdown();
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
  return { url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`, close };
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
