// One command, no database needed: a throw-away PostgreSQL (initdb in a temp dir, loopback port),
// the worker on it, and a trickle of synthetic signals. Ctrl-C stops all and removes the data.
import { startPostgres } from '@otelkit/testkit';
import { startWorker } from './worker.js';

const db = await startPostgres();
const worker = await startWorker({
  databaseUrl: db.connectionString,
  port: Number(process.env.PORT ?? 8081),
  host: '127.0.0.1',
  intervalMs: 250,
  poolMax: 4,
  batchSize: 50,
  feedEveryMs: 40,
  poisonEvery: 25,
});
console.log(`worker health server listening on ${worker.url} — GET /metrics, /admin/faults (PostgreSQL at ${db.connectionString})`);
const stop = async (): Promise<void> => {
  await worker.close();
  await db.stop();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
