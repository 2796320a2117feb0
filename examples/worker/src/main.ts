import { FaultSwitches } from '@otelkit/example-coordinator/fault-switches';
import { startWorker, WORKER_FAULTS } from './worker.js';

function intEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    console.error(`worker: ${name}=${JSON.stringify(raw)} is not an integer >= ${min}, e.g. ${name}=${fallback}`);
    process.exit(1);
  }
  return n;
}

const storage = process.env.STORAGE === 'memory' ? 'memory' : 'postgres';
if (process.env.STORAGE !== undefined && process.env.STORAGE !== '' && process.env.STORAGE !== 'memory' && process.env.STORAGE !== 'postgres') {
  console.error(`worker: STORAGE=${JSON.stringify(process.env.STORAGE)} is not "postgres" or "memory"`);
  process.exit(1);
}
const databaseUrl = process.env.DATABASE_URL || undefined;
if (storage === 'postgres' && databaseUrl === undefined && !process.env.PGHOST) {
  console.error(
    'worker: DATABASE_URL is not set, e.g. DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres (or the PG* variables with PGHOST, ' +
      'or STORAGE=memory for the in-process stand-in, or `npm run start:local` for a throw-away PostgreSQL)',
  );
  process.exit(1);
}
let faults;
try {
  faults = FaultSwitches.parse(process.env.FAULTS, WORKER_FAULTS);
} catch (e) {
  console.error(`worker: ${(e as Error).message}`);
  process.exit(1);
}
const port = intEnv('PORT', 8081, 0);
const host = process.env.HOST ?? '127.0.0.1';
try {
  const worker = await startWorker({
    storage,
    databaseUrl,
    host,
    port,
    intervalMs: intEnv('INTERVAL_MS', 500, 0),
    poolMax: intEnv('PG_POOL_MAX', 4, 2),
    batchSize: intEnv('BATCH_SIZE', 100, 1),
    feedEveryMs: intEnv('FEED_EVERY_MS', 0, 0),
    poisonEvery: intEnv('POISON_EVERY', 0, 0),
    runtimeMetrics: process.env.RUNTIME_METRICS === '1' || process.env.RUNTIME_METRICS === 'true',
    faults,
  });
  console.log(`worker health server listening on ${worker.url} — GET /healthz, GET /metrics, /admin/faults (${worker.store.description})`);
  const stop = (): void => void worker.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} catch (e) {
  const err = e as NodeJS.ErrnoException;
  console.error(err.code === 'EADDRINUSE' ? `worker: port ${port} on ${host} is taken; set PORT to a free port (PORT=0 picks one)` : `worker: ${err.message}`);
  process.exit(1);
}
