// A service's metrics set up the prom-client way: default process metrics and a /metrics server.
// Exits once its first scrape is served; bench/scenarios/startup.mjs times the whole process.
import { createServer } from 'node:http';
import client from 'prom-client';
import { scrapeOnceAndExit } from './first-scrape.mjs';

client.collectDefaultMetrics();
const server = createServer(async (req, res) => {
  res.setHeader('content-type', client.register.contentType);
  res.end(await client.register.metrics());
});
server.listen(0, '127.0.0.1', () => scrapeOnceAndExit(`http://127.0.0.1:${server.address().port}/metrics`));
