import { startCoordinator } from './server.js';

const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST ?? '127.0.0.1';
const simulateEveryMs = Number(process.env.SIMULATE_EVERY_MS ?? 200);
try {
  const app = await startCoordinator({ host, port, simulateEveryMs });
  console.log(`coordinator listening on ${app.url} — POST /tasks, GET /metrics, GET /snapshot`);
  const stop = (): void => void app.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} catch (e) {
  const err = e as NodeJS.ErrnoException;
  console.error(err.code === 'EADDRINUSE' ? `coordinator: port ${port} on ${host} is taken; set PORT to a free port (PORT=0 picks one)` : `coordinator: ${err.message}`);
  process.exit(1);
}
