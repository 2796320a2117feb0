// Reference point, not a target: `node` plus loading @opentelemetry/api (its ES module build, 51
// modules), which every OpenTelemetry SDK pays and prom-client does not — otelkit included, since
// it shares the application's API (never bundles it). Serves its first scrape like `node`.
import '@opentelemetry/api';
import { createServer } from 'node:http';
import { scrapeOnceAndExit } from './first-scrape.mjs';

const server = createServer((req, res) => res.end('ok'));
server.listen(0, '127.0.0.1', () => scrapeOnceAndExit(`http://127.0.0.1:${server.address().port}/metrics`));
