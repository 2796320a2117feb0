import { startWorker } from './worker.js';

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

const databaseUrl = process.env.DATABASE_URL;
if (databaseUrl === undefined || databaseUrl === '') {
  console.error('worker: DATABASE_URL is not set, e.g. DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres (or run `npm run start:local` for a throw-away PostgreSQL)');
  process.exit(1);
}
const port = intEnv('PORT', 8081, 0);
const host = process.env.HOST ?? '127.0.0.1';
try {
  const worker = await startWorker({
    databaseUrl,
    host,
    port,
    intervalMs: intEnv('INTERVAL_MS', 500, 0),
    poolMax: intEnv('PG_POOL_MAX', 4, 2),
    batchSize: intEnv('BATCH_SIZE', 100, 1),
  });
  console.log(`worker health server listening on ${worker.url} — GET /healthz, GET /metrics`);
  const stop = (): void => void worker.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} catch (e) {
  const err = e as NodeJS.ErrnoException;
  console.error(err.code === 'EADDRINUSE' ? `worker: port ${port} on ${host} is taken; set PORT to a free port (PORT=0 picks one)` : `worker: ${err.message}`);
  process.exit(1);
}
