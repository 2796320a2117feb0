// Stands in for `systeminformation/lib/network.js` inside @otelkit/telemetry's bundle
// (scripts/bundle/bundle.mjs): instrumentation-host-metrics imports it at load time for its
// network group, which otelkit never enables (runtime-metrics.ts asks for process.cpu and
// process.memory only), and loading it costs ~7 ms of every process start (two CommonJS files,
// 144 KiB). The real module is loaded on the first call, so a network group still works.
import { createRequire } from 'node:module';

let real;
export function networkStats(...args) {
  // Resolved from instrumentation-host-metrics (a dependency of @otelkit/telemetry, installed
  // though bundled), whose dependency systeminformation is: the copy it would have loaded.
  real ??= createRequire(import.meta.resolve('@opentelemetry/instrumentation-host-metrics'))('systeminformation/lib/network.js');
  return real.networkStats(...args);
}
