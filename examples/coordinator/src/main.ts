import { FaultSwitches } from './fault-switches.js';
import { COORDINATOR_FAULTS, startCoordinator } from './server.js';

const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST ?? '127.0.0.1';
const simulateEveryMs = Number(process.env.SIMULATE_EVERY_MS ?? 200);
const failureEvery = process.env.SIMULATE_FAILURE_EVERY;
if (failureEvery !== undefined && failureEvery !== '' && !(Number.isInteger(Number(failureEvery)) && Number(failureEvery) >= 0)) {
  console.error(`coordinator: SIMULATE_FAILURE_EVERY=${JSON.stringify(failureEvery)} is not an integer >= 0 (0: no failures)`);
  process.exit(1);
}
try {
  const app = await startCoordinator({
    host,
    port,
    simulateEveryMs,
    simulateFailureEvery: failureEvery === undefined || failureEvery === '' ? undefined : Number(failureEvery),
    runtimeMetrics: process.env.RUNTIME_METRICS === '1' || process.env.RUNTIME_METRICS === 'true',
    faults: FaultSwitches.parse(process.env.FAULTS, COORDINATOR_FAULTS),
  });
  console.log(`coordinator listening on ${app.url} — POST /tasks, GET /metrics, GET /snapshot, /admin/faults`);
  const stop = (): void => void app.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} catch (e) {
  const err = e as NodeJS.ErrnoException;
  console.error(err.code === 'EADDRINUSE' ? `coordinator: port ${port} on ${host} is taken; set PORT to a free port (PORT=0 picks one)` : `coordinator: ${err.message}`);
  process.exit(1);
}
