import { startIngest } from './server.js';

function portEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    console.error(`signal-ingest: ${name}=${JSON.stringify(raw)} is not a port number (0 … 65535), e.g. ${name}=${fallback}`);
    process.exit(1);
  }
  return n;
}

const host = process.env.HOST ?? '127.0.0.1';
const port = portEnv('PORT', 8090);
const metricsHost = process.env.METRICS_HOST ?? '127.0.0.1';
const metricsPort = portEnv('METRICS_PORT', 9464);
try {
  const svc = await startIngest({ host, port, metricsHost, metricsPort });
  console.log(`signal-ingest listening on ${svc.url} — POST /signals; metrics at ${svc.metricsUrl}`);
  const stop = (): void => void svc.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} catch (e) {
  const err = e as Error & { code?: string; port?: number };
  if (err.code === 'OTELKIT_PORT_IN_USE') {
    console.error(`signal-ingest: METRICS_PORT=${metricsPort} is taken (${metricsHost}:${metricsPort} is already in use by another process); set METRICS_PORT to a free port, e.g. METRICS_PORT=${metricsPort + 1}`);
  } else if (err.code === 'EADDRINUSE') {
    console.error(`signal-ingest: PORT=${port} is taken (${host}:${port}); set PORT to a free port (PORT=0 picks one)`);
  } else console.error(`signal-ingest: ${err.message}`);
  process.exit(1);
}
