// One command, no database needed: a throw-away PostgreSQL (initdb in a temp dir, loopback port),
// the worker on it, and a trickle of synthetic signals. Ctrl-C stops all and removes the data.
import { startPostgres } from '@otelkit/testkit';
import pg from 'pg';
import { startWorker } from './worker.js';

const db = await startPostgres();
const worker = await startWorker({ databaseUrl: db.connectionString, port: Number(process.env.PORT ?? 8081), host: '127.0.0.1', intervalMs: 250, poolMax: 4, batchSize: 50 });
console.log(`worker health server listening on ${worker.url} — GET /metrics (PostgreSQL at ${db.connectionString})`);
const feeder = new pg.Pool({ connectionString: db.connectionString, max: 1 });
const sources = ['rss', 'webhook', 'reddit'];
let n = 0;
const timer = setInterval(() => {
  n++;
  const payload = n % 25 === 0 ? { poison: true } : { source: sources[n % 3], trust: (n * 0.173) % 1 };
  feeder.query('INSERT INTO signals (payload) VALUES ($1)', [payload]).catch((e: Error) => console.error(`feeder: ${e.message}`));
}, 40);
const stop = async (): Promise<void> => {
  clearInterval(timer);
  await feeder.end();
  await worker.close();
  await db.stop();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
