import { startSecuredApi } from './server.js';

const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST ?? '127.0.0.1';
try {
  const app = await startSecuredApi({ host, port });
  console.log(`sigil-api listening on ${app.url} — metrics at ${app.url}/metrics (Authorization: Bearer $METRICS_TOKEN)`);
  const stop = (): void => void app.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} catch (e) {
  const err = e as NodeJS.ErrnoException;
  console.error(err.code === 'EADDRINUSE' ? `sigil-api: port ${port} on ${host} is taken; set PORT to a free port (PORT=0 picks one)` : `sigil-api: ${err.message}`);
  process.exit(1);
}
